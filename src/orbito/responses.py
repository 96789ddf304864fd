"""Responses: JSON serialised with orjson, and answers made before they are asked for."""

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from orbito.http.request import RawHeaders


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        if headers:
            super().init_headers(headers)  # the few answers with headers of their own: errors
            return
        # What Starlette's makes of a body that is always there: its length and type.
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode()),
            (b"content-type", b"application/json"),
        ]


class PreparedResponse(Response):
    """A body and headers made beforehand, sent as they are: nothing is worked out per request.

    The headers are shared by every answer made from them, and never changed.
    """

    def __init__(self, status_code: int, headers: RawHeaders, body: bytes = b"") -> None:
        self.status_code = status_code
        self.background = None
        self.body = body
        self.raw_headers = headers
