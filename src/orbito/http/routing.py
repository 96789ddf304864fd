"""Routes as the service declares them: a method, a path, an endpoint and its documentation.

The gateway answers requests from these declarations (see `orbito.http.dispatch`). FastAPI,
which turns the same declarations into the OpenAPI document, is loaded only when the document
is first asked for (see `orbito.openapi`): a worker that serves the API never needs its 10 MB.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

Endpoint = Callable[..., Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class PathValue:
    """What the OpenAPI document says of a path parameter; the endpoint checks it itself."""

    description: str
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    def constraints(self) -> dict[str, Any]:
        given: dict[str, Any] = {
            "min_length": self.min_length,
            "max_length": self.max_length,
            "pattern": self.pattern,
        }
        return {name: value for name, value in given.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Declared:
    method: str
    path: str
    endpoint: Endpoint
    # Keyword arguments for FastAPI's route: summary, responses, status_code, openapi_extra...
    documentation: dict[str, Any] = field(default_factory=dict)
    in_schema: bool = True


class Routes:
    """A group of routes under one path prefix, declared with `@routes.get(path, ...)`."""

    def __init__(
        self, prefix: str = "", *, tags: list[str] | None = None, in_schema: bool = True
    ) -> None:
        self.prefix = prefix
        self.tags = tags
        self.in_schema = in_schema
        self.declared: list[Declared] = []

    def route(self, method: str, path: str, **documentation: Any) -> Callable[[Endpoint], Endpoint]:
        if self.tags:
            documentation = {"tags": self.tags, **documentation}

        def declare(endpoint: Endpoint) -> Endpoint:
            declared = Declared(method, self.prefix + path, endpoint, documentation, self.in_schema)
            self.declared.append(declared)
            return endpoint

        return declare

    def get(self, path: str, **documentation: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("GET", path, **documentation)

    def post(self, path: str, **documentation: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("POST", path, **documentation)

    def patch(self, path: str, **documentation: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("PATCH", path, **documentation)

    def delete(self, path: str, **documentation: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("DELETE", path, **documentation)
