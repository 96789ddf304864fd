"""Request ids, and one access-log line per request."""

import logging
import secrets
import time

log = logging.getLogger("orbito.access")


def request_id_for(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-ID if it is 1-128 visible ASCII characters, else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            if 1 <= len(value) <= 128 and all(0x21 <= byte <= 0x7E for byte in value):
                return value.decode("ascii")
            break
    return secrets.token_hex(16)


def log_request(method: str, path: str, status: int, started: float, client_ip: str) -> None:
    log.info(
        "http.request",
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "client_ip": client_ip,
        },
    )
