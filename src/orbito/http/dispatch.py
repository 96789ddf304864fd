"""Finding a request's endpoint among the API's routes, and calling it directly.

A framework answers a request through a router, an exception layer and a request handler
that solves dependencies, each adding tens of microseconds; answering a cached discovery
request takes less than that. The endpoints here take their path values as keywords, and the
request too if they name a `request` parameter, and return a response, so they need none of
it.
"""

import inspect
import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import compile_path

from orbito.errors import MethodNotAllowed
from orbito.http.routing import Declared, Endpoint

# The endpoint, whether it takes the request, and the values of its path's parameters.
Found = tuple[Endpoint, bool, dict[str, Any]]
Entry = tuple[Endpoint, bool]


class RouteTable:
    """The API's routes by path: literal paths by lookup, then parameter paths in order.

    A literal path wins over a parameter path that would match it too, for the methods it
    takes only: `POST /actions/register` registers, while `DELETE /actions/register` deletes the
    action whose id is "register", as it would any other id.
    """

    def __init__(self, routes: Iterable[Declared]) -> None:
        self._literal: dict[str, dict[str, Entry]] = {}
        self._patterned: list[tuple[re.Pattern[str], str, Entry]] = []
        for route in routes:
            entry = (route.endpoint, "request" in inspect.signature(route.endpoint).parameters)
            regex, _, convertors = compile_path(route.path)
            if convertors:
                self._patterned.append((regex, route.method, entry))
            else:
                self._literal.setdefault(route.path, {}).setdefault(route.method, entry)

    def find(self, method: str, path: str) -> Found | None:
        """The endpoint and path values for a request; None for a path no route has.

        Raises 405 when routes have the path but not the method.
        """
        by_method = self._literal.get(path)
        if by_method is not None:
            entry = by_method.get(method)
            if entry is not None:
                return entry[0], entry[1], {}
        for regex, route_method, (endpoint, takes_request) in self._patterned:
            if method == route_method and (match := regex.match(path)):
                return endpoint, takes_request, match.groupdict()
        if self._api_methods(path):
            raise method_not_allowed(self.allowed(path))
        return None

    def allowed(self, path: str) -> list[str]:
        """The methods `path` is documented with, and OPTIONS, which every path answers.

        A literal path names its own methods only, as the OpenAPI document does, though a
        parameter path may answer others on it (`DELETE /actions/register`).
        """
        methods = self._literal_methods(path) or self._api_methods(path)
        return sorted({*methods, "OPTIONS"})

    def _literal_methods(self, path: str) -> set[str]:
        return set(self._literal.get(path, ()))

    def _api_methods(self, path: str) -> set[str]:
        return set(self._literal.get(path, ())) | {
            method for regex, method, _ in self._patterned if regex.match(path)
        }


def method_not_allowed(allowed: list[str]) -> MethodNotAllowed:
    """The 405 for a path that takes only the `allowed` methods."""
    return MethodNotAllowed(details={"allowed": allowed}, headers={"Allow": ", ".join(allowed)})
