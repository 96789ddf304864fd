"""The OpenAPI document: the error envelope, request bodies read by hand, and the key scheme."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from orbito import errors as e
from orbito.context import API_KEY_SCHEME

_BODY_MODELS: dict[str, type[BaseModel]] = {}

_ERRORS_BY_STATUS: dict[int, tuple[type[e.OrbitoError], ...]] = {
    400: (e.InvalidSchema,),
    401: (e.InvalidApiKey,),
    404: (e.DomainNotFound, e.ActionNotFound, e.WebsiteNotFound, e.RouteNotFound),
    405: (e.MethodNotAllowed,),
    409: (e.DomainAlreadyExists, e.ActionLimitExceeded),
    413: (e.PayloadTooLarge,),
    429: (e.RateLimitExceeded,),
    500: (e.OrbitoError,),
    503: (e.ServiceUnavailable,),
}


class ErrorBody(BaseModel):
    code: str = Field(examples=["INVALID_API_KEY"])
    message: str = Field(examples=["The provided API key is invalid or expired"])
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="For INVALID_SCHEMA, `fields` lists {field, message}; for "
        "RATE_LIMIT_EXCEEDED, `limit`, `window_seconds` and `retry_after`.",
    )


class ErrorEnvelope(BaseModel):
    error: ErrorBody


def errors(*kinds: int | type[e.OrbitoError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries naming the error codes a route can answer.

    A status stands for every code it can carry; an error class names just its own code.
    500 and 503 are added to every route.
    """
    codes: dict[int, list[str]] = {}
    for kind in (*kinds, 500, 503):
        classes = _ERRORS_BY_STATUS[kind] if isinstance(kind, int) else (kind,)
        for error in classes:
            codes.setdefault(error.status, []).append(f"`{error.code}`")
    return {
        status: {
            "model": ErrorEnvelope,
            "description": "Error envelope with code " + ", ".join(names),
        }
        for status, names in sorted(codes.items())
    }


def request_body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """Describe a JSON body that the route reads itself, so that every Content-Type is accepted."""
    _BODY_MODELS[model.__name__] = model
    return {
        "requestBody": {
            "required": required,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = document.setdefault("components", {})
        components.setdefault("securitySchemes", {}).update(API_KEY_SCHEME)
        schemas = components.setdefault("schemas", {})
        for name, model in _BODY_MODELS.items():
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
        _drop_framework_422s(document)
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]


def _drop_framework_422s(document: dict[str, Any]) -> None:
    """The service answers invalid input with 400, never 422; the generated 422s would mislead."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(name, None)
