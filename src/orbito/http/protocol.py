"""The HTTP protocol uvicorn speaks, answering requests it cannot parse in the envelope too.

Such a request never reaches the application, so uvicorn would answer it in plain text.
"""

import uuid

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from orbito.http.cors import EXPOSED_HEADERS

_BODY = orjson.dumps(
    {
        "error": {
            "code": "INVALID_SCHEMA",
            "message": "The request is not valid HTTP",
            "details": {},
        }
    }
)


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        headers = [
            b"HTTP/1.1 400 Bad Request",
            b"content-type: application/json",
            b"content-length: " + str(len(_BODY)).encode(),
            b"x-request-id: " + uuid.uuid4().hex.encode(),
            # Whether the request had an Origin cannot be known: its headers did not parse.
            b"access-control-allow-origin: *",
            b"access-control-expose-headers: " + EXPOSED_HEADERS,
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(headers) + b"\r\n\r\n" + _BODY)
        self.transport.close()
