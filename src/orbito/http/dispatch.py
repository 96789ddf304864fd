"""Finding a request's endpoint among the API's routes, and calling it directly.

The framework answers a request through a router, an exception layer and a request handler
that solves dependencies, each adding tens of microseconds; answering a cached discovery
request takes less than that. The endpoints here take their path values as keywords, and the
request too if they name a `request` parameter, and return a response, so they need none of
it. The routes stay declared with FastAPI, which builds the OpenAPI document from them.
"""

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from orbito.errors import MethodNotAllowed

Endpoint = Callable[..., Awaitable[Response]]
# The endpoint, whether it takes the request, and the values of its path's parameters.
Found = tuple[Endpoint, bool, dict[str, Any]]
Entry = tuple[Endpoint, bool]


class RouteTable:
    """The API's routes by path: literal paths by lookup, then parameter paths in order.

    A literal path wins over a parameter path that would match it too, for the methods it
    takes only: `POST /actions/register` registers, while `DELETE /actions/register` deletes the
    action whose id is "register", as it would any other id.
    """

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._literal: dict[str, dict[str, Entry]] = {}
        self._patterned: list[tuple[re.Pattern[str], frozenset[str], Entry]] = []
        # The framework's own routes (the documentation): only to say what they allow.
        self._framework: list[tuple[re.Pattern[str], frozenset[str]]] = []
        for route in routes:
            if not isinstance(route, APIRoute):
                if isinstance(route, Route) and route.methods:
                    self._framework.append((route.path_regex, frozenset(route.methods)))
                continue
            entry = (route.endpoint, "request" in inspect.signature(route.endpoint).parameters)
            if route.param_convertors:
                self._patterned.append((route.path_regex, frozenset(route.methods or ()), entry))
            else:
                by_method = self._literal.setdefault(route.path, {})
                for method in route.methods or ():
                    by_method.setdefault(method, entry)

    def find(self, method: str, path: str) -> Found | None:
        """The endpoint and path values for a request; None for a path no route has.

        Raises 405 when routes have the path but not the method.
        """
        by_method = self._literal.get(path)
        if by_method is not None:
            entry = by_method.get(method)
            if entry is not None:
                return entry[0], entry[1], {}
        for regex, methods, (endpoint, takes_request) in self._patterned:
            if method in methods and (match := regex.match(path)):
                return endpoint, takes_request, match.groupdict()
        if self._api_methods(path):
            raise method_not_allowed(self.allowed(path))
        return None

    def allowed(self, path: str) -> list[str]:
        """The methods `path` is documented with, and OPTIONS, which every path answers.

        A literal path names its own methods only, as the OpenAPI document does, though a
        parameter path may answer others on it (`DELETE /actions/register`).
        """
        methods = (
            self._literal_methods(path)
            or self._api_methods(path)
            or {
                method
                for regex, route_methods in self._framework
                if regex.match(path)
                for method in route_methods
            }
        )
        return sorted({*methods, "OPTIONS"})

    def _literal_methods(self, path: str) -> set[str]:
        return set(self._literal.get(path, ()))

    def _api_methods(self, path: str) -> set[str]:
        return set(self._literal.get(path, ())) | {
            method
            for regex, methods, _ in self._patterned
            if regex.match(path)
            for method in methods
        }


def method_not_allowed(allowed: list[str]) -> MethodNotAllowed:
    """The 405 for a path that takes only the `allowed` methods."""
    return MethodNotAllowed(details={"allowed": allowed}, headers={"Allow": ", ".join(allowed)})
