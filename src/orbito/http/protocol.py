"""The HTTP protocol uvicorn speaks, with two changes.

A request it cannot parse never reaches the application, so uvicorn would answer it in plain
text, at once, losing the answers to requests pipelined before it; here it is answered in the
envelope, after those. And each answer's head is held back until its
body is written, so that a small answer leaves in one write rather than two.
"""

import asyncio
import time
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from orbito.http.cors import EXPOSED_HEADERS
from orbito.http.requestlog import log_request, request_id_for
from orbito.logs import request_id_var
from orbito.settings import Settings

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
    # When the request awaited now began arriving (or the connection opened); None while none
    # is awaited. uvicorn keeps no deadline for a request being received: a client that opened
    # a connection, or began a request, and then went quiet held it open for good. One timer a
    # connection looks every timeout's length, so a late request is cut off within two.
    _awaited_since: float | None = None
    _watch: asyncio.TimerHandle | None = None
    # A request that did not parse, waiting for the answers to those before it.
    _refusal_due = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # The app's settings; the defaults where uvicorn wrapped the app (at trace level).
        settings = getattr(self.app, "settings", None) or Settings.model_construct()
        self._request_timeout = settings.request_timeout_seconds
        self._awaited_since = self.loop.time()
        self._watch = self.loop.call_later(self._request_timeout, self._watch_arrival)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaited_since = self.loop.time()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaited_since = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watch is not None:
            self._watch.cancel()
        super().connection_lost(exc)

    def _watch_arrival(self) -> None:
        if self.transport.is_closing():
            return
        since = self._awaited_since
        if since is not None and self.loop.time() - since >= self._request_timeout:
            self.transport.close()
            return
        self._watch = self.loop.call_later(self._request_timeout, self._watch_arrival)

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        # The new request's cycle has not run yet: its task starts at the loop's next turn.
        # A HEAD's answer has no body write for its head to wait for.
        cycle = self.cycle
        if cycle is not None and cycle is not before and cycle.scope["method"] != "HEAD":
            cycle.transport = _HeadWithBody(cycle.transport)  # type: ignore[assignment]

    def send_400_response(self, msg: str) -> None:
        # Requests received whole before it are answered first, in order: they may have been
        # carried out already, and their answers must not be lost. A request whose own body
        # did not parse is refused at once: the rest of its body will never come.
        if self._answering_earlier_requests():
            self._refusal_due = True
            return
        self._refuse()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._refusal_due and not self._answering_earlier_requests():
            self._refuse()

    def _answering_earlier_requests(self) -> bool:
        cycle = self.cycle
        return bool(self.pipeline) or (
            cycle is not None and not cycle.more_body and not cycle.response_complete
        )

    def _refuse(self) -> None:
        self._refusal_due = False
        if self.transport.is_closing():
            return
        request_id = request_id_for([])
        headers = [
            b"HTTP/1.1 400 Bad Request",
            b"content-type: application/json",
            b"content-length: " + str(len(_BODY)).encode(),
            b"x-request-id: " + request_id.encode(),
            # Whether the request had an Origin cannot be known: its headers did not parse.
            b"access-control-allow-origin: *",
            b"access-control-expose-headers: " + EXPOSED_HEADERS,
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(headers) + b"\r\n\r\n" + _BODY)
        self.transport.close()
        # Its access line, like any request's; neither its method and path nor a forwarded
        # client address can be trusted from a request that did not parse.
        token = request_id_var.set(request_id)
        try:
            peer = self.client[0] if self.client else "unknown"
            log_request("-", "-", 400, time.perf_counter(), peer)
        finally:
            request_id_var.reset(token)


class _HeadWithBody:
    """The transport one answer is written through: its head waits for the first body write.

    uvicorn writes an answer's status line and headers, then its body, in two calls, and each
    is a system call of its own. Its body write always follows, even when empty (a 304), but
    for the answer to a HEAD, which is therefore never given one of these. A cycle that fails
    after its head closes the transport, which sends what is held first. An interim
    `100 Continue` goes out at once: the client waits for it before sending the body.
    """

    __slots__ = ("_transport", "_head", "_expect_head")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head = b""
        self._expect_head = True

    def write(self, data: bytes) -> None:
        if self._expect_head and data.startswith(b"HTTP/") and data[9:10] != b"1":
            self._expect_head = False
            self._head = data
            return
        if self._head:
            data, self._head = self._head + data, b""
        self._transport.write(data)

    def close(self) -> None:
        if self._head:
            self._transport.write(self._head)
            self._head = b""
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
