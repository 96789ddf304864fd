"""Requests the HTTP parser refuses never reach the app; they still get the envelope."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from tests.live import LiveServer

pytestmark = pytest.mark.live

MALFORMED = [
    b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x7fb\r\n\r\n",
]


def exchange(server: LiveServer, raw: bytes) -> bytes:
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("raw", MALFORMED)
def test_unparseable_requests_get_a_400_envelope(live_server: LiveServer, raw: bytes) -> None:
    head, _, body = exchange(live_server, raw).partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])

    assert lines[0] == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["x-request-id"]
    assert json.loads(body)["error"]["code"] == "INVALID_SCHEMA"
