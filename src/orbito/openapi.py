"""The OpenAPI document and the interactive documentation, built from the declared routes.

FastAPI builds the document, with the error envelope, the request bodies the routes read
themselves and the key scheme added. It is imported only when the document or the
documentation page is first asked for, and the document is built once.
"""

import asyncio
import importlib
import inspect
from collections.abc import Iterable
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from orbito import __version__
from orbito import errors as e
from orbito.context import API_KEY_SCHEME
from orbito.http.routing import Declared, Endpoint, PathValue, Routes
from orbito.responses import JSONResponse

API_PREFIX = "/api/v1"
DOCUMENT_PATH = f"{API_PREFIX}/openapi.json"
TITLE = "Orbito"
DESCRIPTION = """\
Websites register the actions that AI agents may take on them; the browser extension
discovers those actions, runs one, and reports the use.

Every error answers with the envelope `{"error": {"code", "message", "details"}}`.
Keyed routes take the website's key in the `X-API-Key` header.
"""

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


def build_document(routes: Iterable[Declared]) -> dict[str, Any]:
    from fastapi import FastAPI
    from fastapi.openapi.utils import get_openapi

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for route in routes:
        if route.in_schema:
            app.router.add_api_route(
                route.path,
                _documented(route.endpoint),
                methods=[route.method],
                **route.documentation,
            )
    document = get_openapi(
        title=TITLE, version=__version__, description=DESCRIPTION, routes=app.routes
    )
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(API_KEY_SCHEME)
    schemas = components.setdefault("schemas", {})
    for name, model in _BODY_MODELS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    _drop_framework_422s(document)
    return document


def _documented(endpoint: Endpoint) -> Endpoint:
    """The endpoint as FastAPI reads it, its path parameters described with FastAPI's `Path`.

    Only its signature, name and docstring are read: the gateway calls the endpoint itself.
    """
    from fastapi import Path

    def described(annotation: Any) -> Any:
        if get_origin(annotation) is not Annotated:
            return annotation
        kind, *marks = get_args(annotation)
        for mark in marks:
            if isinstance(mark, PathValue):
                return Annotated[kind, Path(description=mark.description, **mark.constraints())]
        return annotation

    signature = inspect.signature(endpoint)
    parameters = [
        parameter.replace(annotation=described(parameter.annotation))
        for parameter in signature.parameters.values()
    ]

    async def documented(*args: Any, **kwargs: Any) -> Response:
        return await endpoint(*args, **kwargs)

    documented.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    documented.__name__ = endpoint.__name__
    documented.__doc__ = endpoint.__doc__
    return documented


# The documentation answers HEAD too, as it always has; the API's routes do not.
docs = Routes(in_schema=False)
_SWAGGER_REDIRECT = "/docs/oauth2-redirect"


@docs.get(DOCUMENT_PATH)
@docs.route("HEAD", DOCUMENT_PATH)
async def openapi_document(request: Request) -> Response:
    # Built on a thread: loading FastAPI and building the document take a fifth of a second
    # that the event loop goes on serving through.
    return JSONResponse(await asyncio.to_thread(request.app.openapi))


@docs.get("/docs")
@docs.route("HEAD", "/docs")
async def documentation_page() -> Response:
    get_swagger_ui_html = (await _swagger()).get_swagger_ui_html
    title = f"{TITLE} - Swagger UI"
    return get_swagger_ui_html(
        openapi_url=DOCUMENT_PATH, title=title, oauth2_redirect_url=_SWAGGER_REDIRECT
    )


@docs.get(_SWAGGER_REDIRECT)
@docs.route("HEAD", _SWAGGER_REDIRECT)
async def documentation_sign_in() -> Response:
    return (await _swagger()).get_swagger_ui_oauth2_redirect_html()  # type: ignore[no-any-return]


async def _swagger() -> Any:
    """FastAPI's Swagger UI pages, imported on a thread the first time (see above)."""
    return await asyncio.to_thread(importlib.import_module, "fastapi.openapi.docs")


def _drop_framework_422s(document: dict[str, Any]) -> None:
    """The service answers invalid input with 400, never 422; the generated 422s would mislead."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(name, None)
