"""Request ids, and one access-log line per request."""

import itertools
import logging
import os
import time
from typing import cast

from orbito.logs import LineFormatter, LogLine, direct_handler, request_id_var

log = logging.getLogger("orbito.access")

# A new request id is this process's random half and a count: as unique as a random id across
# processes, without asking the system for random bytes on every request.
_PROCESS_PART = os.urandom(8).hex()
_COUNT = itertools.count(1)


def _new_process_part() -> None:
    global _PROCESS_PART, _COUNT
    _PROCESS_PART, _COUNT = os.urandom(8).hex(), itertools.count(1)


# A worker forked from a process that had imported this module must not repeat its ids.
os.register_at_fork(after_in_child=_new_process_part)


def request_id_for(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-ID if it is 1-128 visible ASCII characters, else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            if 1 <= len(value) <= 128 and all(0x21 <= byte <= 0x7E for byte in value):
                return value.decode("ascii")
            break
    return f"{_PROCESS_PART}{next(_COUNT):016x}"


def log_request(method: str, path: str, status: int, started: float, client_ip: str) -> None:
    fields: dict[str, object] = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "client_ip": client_ip,
    }
    handler = direct_handler(log, logging.INFO)
    if handler is None:
        log.info("http.request", extra=fields)
        return
    # The same line the record would have made (see orbito.logs).
    request_id = request_id_var.get()
    if request_id:
        fields["request_id"] = request_id
    formatter = cast(LineFormatter, handler.formatter)
    handler.write_line(
        formatter.render(LogLine(time.time(), "INFO", log.name, "http.request", fields))
    )
