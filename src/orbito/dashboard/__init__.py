"""The owner's dashboard: one page and its script and styles, served by the backend itself.

It needs nothing from elsewhere (no CDN, no build step): the chart is drawn by its own script.
The key the owner pastes stays in the tab's session storage and goes only to this backend,
which the Content-Security-Policy below enforces in the browser.
"""

from functools import cache
from importlib.resources import files

from starlette.responses import Response

from orbito.errors import RouteNotFound
from orbito.http.routing import Routes

router = Routes(in_schema=False)

_STATIC = files(__package__) / "static"
_FILES = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "chart.js": "text/javascript; charset=utf-8",
}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Always asked again, so that an upgraded backend never runs an old script.
    "Cache-Control": "no-cache",
}


@cache  # a handful of small files, the same for the life of the process
def _file(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


@router.get("/dashboard")
async def page() -> Response:
    return Response(_file("index.html"), media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/dashboard/{name}")
async def asset(name: str) -> Response:
    media_type = _FILES.get(name)
    if media_type is None:
        raise RouteNotFound(details={"path": f"/dashboard/{name}"})
    return Response(_file(name), media_type=media_type, headers=_HEADERS)
