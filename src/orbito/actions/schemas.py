"""What action registration and the status switch accept."""

import math
import re
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from orbito.actions.selectors import InvalidSelector, check_selector
from orbito.jsonbody import json_depth_exceeds
from orbito.text import check_line, check_prose

# 1-128 characters of A-Za-z0-9_.:-, as an id travels in URL paths; but not "." or "..",
# which clients resolve in a path, so that such an action could never be reached. Without
# look-arounds, which JSON Schema's regular expressions may lack: at least one character that
# is not a dot, or three dots or more.
ACTION_ID_PATTERN = r"^(?:[A-Za-z0-9_.:-]*[A-Za-z0-9_:-][A-Za-z0-9_.:-]*|\.{3,})$"
ACTION_ID_MAX_LENGTH = 128
PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_PARAMETERS = 50
MAX_METADATA_BYTES = 4096
# Every visitor's extension downloads every action: a bound on each keeps a site's answer
# within megabytes, where a parameter's default alone could otherwise fill the whole body.
MAX_PARAMETERS_BYTES = 8192
# Free-form JSON is stored and sent back as given; a bound on nesting keeps it serialisable.
MAX_NESTING = 32

ACTION_ID_RULE = "must be 1-128 characters of A-Za-z0-9_.:-, and not '.' or '..'"
_ACTION_ID = re.compile(ACTION_ID_PATTERN)


def is_action_id(value: str) -> bool:
    return len(value) <= ACTION_ID_MAX_LENGTH and _ACTION_ID.fullmatch(value) is not None


def _checked_action_id(value: str) -> str:
    if not is_action_id(value):
        raise ValueError(ACTION_ID_RULE)
    return value


# Checked by hand, so that a refused id is told the rule rather than the regular expression.
ActionId = Annotated[
    str,
    AfterValidator(_checked_action_id),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": ACTION_ID_MAX_LENGTH,
            "pattern": ACTION_ID_PATTERN,
        }
    ),
]


def _finite_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Number = Annotated[Any, PlainValidator(_finite_number, json_schema_input_type=float)]
ParameterType = Literal["string", "number", "integer", "boolean", "object", "array"]

_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer() and -(2**63) <= v < 2**63)
    ),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


# Keys of a spec where null means "not given", as it does for the optional fields of an action.
_NULLABLE = ("required", "description")


class ParameterSpec(BaseModel):
    """One typed parameter; keys beyond these are kept and returned as given."""

    model_config = ConfigDict(strict=True, extra="allow")

    type: ParameterType
    required: bool | None = False
    description: str | None = Field(default=None, max_length=500)
    default: Any = None

    @field_validator("description")
    @classmethod
    def _prose(cls, value: str | None) -> str | None:
        return None if value is None else check_prose(value)

    @model_validator(mode="after")
    def _default_matches_type(self) -> "ParameterSpec":
        if "default" in self.model_fields_set and not _TYPE_CHECKS[self.type](self.default):
            raise ValueError(f"default must be of type {self.type}")
        if json_depth_exceeds(self.model_extra, MAX_NESTING) or json_depth_exceeds(
            self.default, MAX_NESTING
        ):
            raise ValueError(f"values may nest at most {MAX_NESTING} levels deep")
        return self

    def stored(self, given: dict[str, Any]) -> dict[str, Any]:
        """The spec as the client sent it, with `required` made explicit and nulls dropped."""
        spec = {
            key: value for key, value in given.items() if not (key in _NULLABLE and value is None)
        }
        spec.setdefault("required", False)
        return spec


class Position(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    x: Number
    y: Number


class ActionRegistration(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "action_id": "add-to-cart-button",
                    "intent": "addToCart",
                    "description": "Adds the current product to the shopping cart",
                    "selector": "[data-orbito-id='add-to-cart-button']",
                    "parameters": {
                        "quantity": {
                            "type": "number",
                            "required": False,
                            "default": 1,
                            "description": "Number of items to add",
                        },
                        "productId": {
                            "type": "string",
                            "required": True,
                            "description": "Product identifier",
                        },
                    },
                    "position": {"x": 450, "y": 320},
                    "metadata": {"component_type": "button", "page_path": "/product/123"},
                }
            ]
        },
    )

    action_id: ActionId
    intent: str = Field(min_length=1, max_length=128)
    description: str | None = Field(default="", max_length=2000)
    selector: str = Field(min_length=1, max_length=1000)
    parameters: dict[str, ParameterSpec] | None = None
    position: Position | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("intent")
    @classmethod
    def _no_control_characters(cls, value: str) -> str:
        return check_line(value)

    @field_validator("selector")
    @classmethod
    def _parses_as_css(cls, value: str) -> str:
        try:
            return check_selector(check_prose(value))
        except InvalidSelector as error:
            raise ValueError(f"not a CSS selector that querySelector accepts ({error})") from None

    @field_validator("description")
    @classmethod
    def _prose(cls, value: str | None) -> str | None:
        return None if value is None else check_prose(value)

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters_size(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        try:
            size = len(orjson.dumps(value))
        except orjson.JSONEncodeError:
            return value  # nested too deeply to measure: the spec's own checks refuse it
        if size > MAX_PARAMETERS_BYTES:
            raise ValueError(f"parameters must be at most {MAX_PARAMETERS_BYTES} bytes as JSON")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameter_names(
        cls, value: dict[str, ParameterSpec] | None
    ) -> dict[str, ParameterSpec] | None:
        if value is None:
            return None
        if len(value) > MAX_PARAMETERS:
            raise ValueError(f"at most {MAX_PARAMETERS} parameters are allowed")
        for name in value:
            if not PARAMETER_NAME.fullmatch(name):
                raise ValueError(
                    f"parameter name {name!r} must match [A-Za-z_][A-Za-z0-9_]{{0,63}}"
                )
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        for key in ("component_type", "page_path"):
            if key in value and not isinstance(value[key], str):
                raise ValueError(f"{key} must be a string")
        if json_depth_exceeds(value, MAX_NESTING):
            raise ValueError(f"metadata may nest at most {MAX_NESTING} levels deep")
        if len(orjson.dumps(value)) > MAX_METADATA_BYTES:
            raise ValueError(f"metadata must be at most {MAX_METADATA_BYTES} bytes as JSON")
        return value

    def stored_parameters(self, given: dict[str, Any]) -> dict[str, Any]:
        if not self.parameters:
            return {}
        return {name: spec.stored(given[name]) for name, spec in self.parameters.items()}

    def stored_position(self) -> dict[str, float | int] | None:
        return None if self.position is None else {"x": self.position.x, "y": self.position.y}


class StatusChange(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="ignore", json_schema_extra={"examples": [{"is_active": False}]}
    )

    is_active: bool


class ActionRegistered(BaseModel):
    success: bool
    action_id: str
    registered_at: str


class DiscoveredAction(BaseModel):
    action_id: str
    intent: str
    description: str
    selector: str
    parameters: dict[str, dict[str, Any]]
    position: dict[str, float] | None
    metadata: dict[str, Any]
    is_active: bool
    usage_count: int
    last_used: str | None
    failure_count: int = Field(description="Failures the extension reported for the action.")
    last_failure_at: str | None


class Discovery(BaseModel):
    domain: str
    actions: list[DiscoveredAction]
    total_count: int
    verified: bool = Field(description="Whether the domain's owner has proved holding it.")


class StatusChanged(BaseModel):
    success: bool
    action_id: str
    is_active: bool
    updated_at: str


class UsageRecorded(BaseModel):
    success: bool
    usage_count: int


class ActionDeleted(BaseModel):
    success: bool
    action_id: str
    deleted_at: str


# The filter takes whatever registration could have stored in metadata.page_path, so that no
# registered action is out of every filter's reach.
MAX_PAGE_PATH = MAX_METADATA_BYTES
PAGE_PATH_RULE = f"must be at most {MAX_PAGE_PATH} characters"


def is_page_path(value: str) -> bool:
    return len(value) <= MAX_PAGE_PATH


class ExportedAction(BaseModel):
    action_id: str
    intent: str
    selector: str


class ToolExport(BaseModel):
    domain: str
    format: Literal["mcp", "openai"]
    tools: list[dict[str, Any]] = Field(
        description="MCP: {name, title, description, inputSchema}; OpenAI: "
        "{type: function, function: {name, description, parameters}}. Inputs are JSON Schema "
        "(draft 2020-12)."
    )
    actions: dict[str, ExportedAction] = Field(description="Each tool's name: the action it runs.")
    total_count: int
    verified: bool


FailureReason = Literal["selector_not_found", "parameter_invalid", "execution_error", "other"]


class FailureReport(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [{"reason": "selector_not_found", "message": "no element matched"}]
        },
    )

    reason: FailureReason
    message: str | None = Field(default=None, max_length=1000)

    @field_validator("message")
    @classmethod
    def _prose(cls, value: str | None) -> str | None:
        return None if value is None else check_prose(value)


class FailureRecorded(BaseModel):
    success: bool
    action_id: str
    failure_count: int
    consecutive_failures: int
    is_active: bool
    auto_disabled: bool = Field(description="Whether this report switched the action off.")
