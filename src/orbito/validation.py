"""Turning a parsed body into a model, or into the contract's 400 with a list of fields."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from orbito.errors import InvalidSchema

Model = TypeVar("Model", bound=BaseModel)


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    fields = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        fields.append({"field": path, "message": message})
    return fields


def validate(model: type[Model], data: dict[str, Any]) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = field_errors(error)
        summary = "; ".join(f"{item['field']}: {item['message']}" for item in fields[:3])
        raise InvalidSchema(fields, f"Invalid request: {summary}") from None
