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


def assert_envelope(answer: bytes, status_line: str, code: str) -> None:
    """A whole HTTP answer: the status, the envelope with `code`, CORS and a request id."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])

    assert lines[0] == status_line
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["x-request-id"]
    assert json.loads(body)["error"]["code"] == code


@pytest.mark.parametrize("raw", MALFORMED)
def test_unparseable_requests_get_a_400_envelope(live_server: LiveServer, raw: bytes) -> None:
    assert_envelope(exchange(live_server, raw), "HTTP/1.1 400 Bad Request", "INVALID_SCHEMA")


def test_a_websocket_upgrade_is_answered_as_plain_http_in_the_envelope(
    live_server: LiveServer,
) -> None:
    raw = (
        b"GET /api/v1/actions?domain=unknown.example HTTP/1.1\r\nHost: x\r\n"
        b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://a.example\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert_envelope(exchange(live_server, raw), "HTTP/1.1 404 Not Found", "DOMAIN_NOT_FOUND")
