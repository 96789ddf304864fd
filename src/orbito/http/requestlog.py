"""Request ids, the client's address, and one access-log line per request."""

import logging
import time
import uuid

from orbito.clientip import Network, client_ip
from orbito.logs import request_id_var

log = logging.getLogger("orbito.access")


def _incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-request-id":
            # 1-128 visible ASCII characters, or the client's id is replaced by one of ours.
            if 1 <= len(value) <= 128 and all(0x21 <= byte <= 0x7E for byte in value):
                return value.decode("ascii")
            return None
    return None


class RequestLogMiddleware:
    def __init__(self, app, trusted_proxies: list[Network]) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _incoming_request_id(scope["headers"]) or uuid.uuid4().hex
        ip = client_ip(scope, self.trusted_proxies)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = ip
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message) -> None:  # type: ignore[no-untyped-def]
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "http.request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client_ip": ip,
                },
            )
            request_id_var.reset(token)
