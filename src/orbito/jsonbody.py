"""Reading a request body as a JSON object, whatever its Content-Type says."""

import json
import re
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.requests import Request

from orbito.errors import InvalidSchema

# orjson turns integers beyond 64 bits into floats, silently changing them; a body with a
# run of 19 or more digits takes the slower parser that refuses such integers instead.
_LONG_DIGIT_RUN = re.compile(rb"\d{19}")
_INT64 = (-(2**63), 2**63 - 1)


def _checked_int(text: str) -> int:
    value = int(text)
    if not _INT64[0] <= value <= _INT64[1]:
        raise ValueError("an integer is outside the 64-bit range")
    return value


def _checked_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("a number is too large")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """Parse strictly: UTF-8 only, no NaN or Infinity, no lossy numbers."""
    if not raw.strip():
        raise InvalidSchema.single("body", "a JSON object is required")
    try:
        if not _LONG_DIGIT_RUN.search(raw):
            return orjson.loads(raw)
        value = json.loads(
            raw.decode("utf-8"),
            parse_int=_checked_int,
            parse_float=_checked_float,
            parse_constant=_refuse_constant,
        )
        orjson.dumps(
            value
        )  # refuses what orjson itself would not have read, such as lone surrogates
        return value
    except UnicodeDecodeError:
        raise InvalidSchema.single("body", "the body is not valid UTF-8") from None
    except (ValueError, RecursionError, orjson.JSONEncodeError) as exc:
        raise InvalidSchema.single("body", f"the body is not valid JSON ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(":", 1)[0]


async def read_json_object(request: Request, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object; with `optional`, no body at all reads as `{}`."""
    raw = await request.body()
    if optional and not raw.strip():
        return {}
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise InvalidSchema.single("body", "the body must be a JSON object")
    return value


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a JSON value nests deeper than `limit` containers."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
