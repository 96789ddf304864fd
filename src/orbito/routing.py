"""Literal paths that a parameter route would otherwise also match."""

from fastapi import APIRouter

from orbito.errors import MethodNotAllowed

ALL_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


def only_methods(router: APIRouter, path: str, *allowed: str) -> None:
    """Answer 405 for every other method on `path`.

    `/websites/register` is also a valid `/websites/{website_id}`; without this, a GET on it
    would be taken for details of a website called "register" and answered 401 or 404.
    Declare it right after the path's own routes and before the parameter route.
    """
    allow = ", ".join(sorted({*allowed, "OPTIONS"}))

    async def method_not_allowed() -> None:
        raise MethodNotAllowed(details={"allowed": allow.split(", ")}, headers={"Allow": allow})

    router.add_api_route(
        path,
        method_not_allowed,
        methods=sorted(ALL_METHODS - set(allowed)),
        include_in_schema=False,
    )
