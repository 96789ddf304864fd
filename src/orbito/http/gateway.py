"""The one layer every request passes: its id, CORS, the body limit, dispatch, errors, the log.

It is a single layer rather than one per concern because each ASGI layer wraps `send` in a
closure of its own and costs every request; on the hot routes that was a large share of the
work. Endpoints are called straight from the route table.
"""

import logging
import time
from collections.abc import Iterable

from orbito.clientip import Network, TrustedProxies, client_ip
from orbito.errors import OrbitoError, RouteNotFound
from orbito.http.asgi import Message, Receive, Scope, Send
from orbito.http.bodies import METHODS_WITH_BODY, ClientGone, buffered
from orbito.http.cors import CORS_HEADERS, answer_preflight, has_origin
from orbito.http.dispatch import RouteTable
from orbito.http.request import ApiRequest
from orbito.http.requestlog import log_request, request_id_for
from orbito.http.routing import Declared
from orbito.logs import request_id_var
from orbito.responses import JSONResponse

log = logging.getLogger("orbito.errors")

# Logged for a request whose client left before sending all of it; nothing is answered.
CLIENT_CLOSED_REQUEST = 499


class Gateway:
    def __init__(
        self, routes: Iterable[Declared], trusted_proxies: list[Network], max_body_bytes: int
    ) -> None:
        self._table = RouteTable(routes)
        self.trusted_proxies = TrustedProxies(trusted_proxies)
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = scope["headers"]
        request_id = request_id_for(headers)
        ip = client_ip(scope, self.trusted_proxies)
        token = request_id_var.set(request_id)

        method, path = scope["method"], scope["path"]
        _drop_trailing_slash(scope)
        # A preflight's answer carries its own CORS headers.
        cross_origin = method != "OPTIONS" and has_origin(headers)
        reply = _Reply(send, request_id, cross_origin)
        try:
            if method == "OPTIONS":
                await answer_preflight(reply, self.allowed(scope["path"]))
            else:
                await self._answer(scope, receive, reply, ip)
        finally:
            # No status means the client went away before an answer, or a fault cut it short.
            log_request(method, path, reply.status or 500, started, ip)
            request_id_var.reset(token)

    def allowed(self, path: str) -> list[str]:
        """The methods `path` takes, for OPTIONS."""
        return self._table.allowed(path)

    async def _answer(self, scope: Scope, receive: Receive, reply: "_Reply", ip: str) -> None:
        try:
            if scope["method"] in METHODS_WITH_BODY:
                receive = await buffered(scope, receive, self.max_body_bytes)
            found = self._table.find(scope["method"], scope["path"])
            if found is None:
                raise RouteNotFound(details={"path": scope["path"]})
            endpoint, takes_request, values = found
            if takes_request:
                values["request"] = ApiRequest(scope, receive, ip, reply.headers)
            response = await endpoint(**values)
            await response(scope, receive, reply)
        except ClientGone:
            reply.status = CLIENT_CLOSED_REQUEST
        except OrbitoError as error:
            if reply.status is None:
                await JSONResponse(error.envelope(), error.status, error.headers)(
                    scope, receive, reply
                )
        except Exception:
            # Every fault is logged here, once. The 500 goes through `reply`, so that it carries
            # the request id and CORS headers; once an answer has begun, it can only be logged.
            log.exception("http.unhandled_error")
            if reply.status is None:
                await JSONResponse(OrbitoError().envelope(), 500)(scope, receive, reply)


def _drop_trailing_slash(scope: Scope) -> None:
    """A path with a trailing slash is answered like the one without; never redirected."""
    path = scope["path"]
    if len(path) > 1 and path.endswith("/"):
        scope["path"] = path.rstrip("/") or "/"
        if scope.get("raw_path"):
            scope["raw_path"] = scope["raw_path"].rstrip(b"/") or b"/"


class _Reply:
    """The `send` the application answers through: it adds our headers and notes the status.

    Its headers are the request id's, CORS's, and whatever the route added to them by way of
    its request (see `ApiRequest.answer_headers`).
    """

    __slots__ = ("send", "headers", "status")

    def __init__(self, send: Send, request_id: str, cross_origin: bool) -> None:
        self.send = send
        self.headers = [(b"x-request-id", request_id.encode())]
        if cross_origin:
            self.headers += CORS_HEADERS
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = [*message.get("headers", ()), *self.headers]
        await self.send(message)
