"""Requests the HTTP parser refuses never reach the app; they still get the envelope."""

import json
import re
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.factories import action_body
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
def test_unparseable_requests_get_a_400_envelope_and_an_access_line(
    live_server: LiveServer, raw: bytes
) -> None:
    answer = exchange(live_server, raw)
    request_id = re.search(rb"x-request-id: (\w+)", answer)

    assert_envelope(answer, "HTTP/1.1 400 Bad Request", "INVALID_SCHEMA")
    assert request_id is not None
    [record] = live_server.wait_for_access_records([request_id[1].decode()])
    assert (record["method"], record["path"], record["status"]) == ("-", "-", 400)
    assert record["client_ip"] == "127.0.0.1"


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


@pytest.mark.parametrize(
    "after",
    [b"BOGUS\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"],
)
def test_requests_before_one_that_does_not_parse_are_answered_first(
    live_server: LiveServer, after: bytes
) -> None:
    """They may have been carried out: their answers come, in order, then the 400."""
    site = httpx.post(
        f"{live_server.api}/websites/register",
        json={"domain": "piped.example", "owner_email": "o@piped.example", "website_name": "P"},
    ).json()
    key = site["api_key"].encode()
    registered = httpx.post(
        f"{live_server.api}/actions/register",
        json=action_body("a"),
        headers={"X-API-Key": site["api_key"]},
    )
    assert registered.status_code == 200
    usage = (
        b"POST /api/v1/actions/a/usage HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + b"\r\n"
        b"Content-Length: 0\r\n\r\n"
    )

    answer = exchange(live_server, usage + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + after)

    statuses = re.findall(rb"HTTP/1.1 (\d{3}) ", answer)
    assert statuses == [b"200", b"200", b"400"]
    assert b'"usage_count":1' in answer
    assert answer.endswith(b'"details":{}}}')


def test_a_request_whose_own_body_does_not_parse_is_refused_at_once(
    live_server: LiveServer,
) -> None:
    """Its handler would wait for the rest of a body that never comes: no waiting for it."""
    bad_chunk = (
        b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n"
    )

    answer = exchange(live_server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + bad_chunk)

    assert re.findall(rb"HTTP/1.1 (\d{3}) ", answer) == [b"200", b"400"]


@pytest.mark.parametrize(
    "sent",
    [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",  # headers never finished
        b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{",
    ],
)
def test_a_request_that_does_not_arrive_in_time_closes_its_connection(
    start_live_server, sent: bytes
) -> None:  # type: ignore[no-untyped-def]
    server = start_live_server(request_timeout_seconds="1")
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=8) as connection:
        # The first answer on the connection is proof that the timer restarts per request.
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = connection.recv(65536)
        connection.sendall(sent)
        started = time.monotonic()
        rest = b""
        while chunk := connection.recv(65536):  # trickling nothing more: only the close ends it
            rest += chunk
        waited = time.monotonic() - started

    assert first.startswith(b"HTTP/1.1 200 OK")
    assert rest == b""
    assert 0.5 < waited < 6, f"closed after {waited:.1f} s"


def test_a_request_in_good_time_is_answered_however_slowly_it_trickles(
    start_live_server,
) -> None:  # type: ignore[no-untyped-def]
    server = start_live_server(request_timeout_seconds="3")
    raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=8) as connection:
        for part in (raw[:10], raw[10:20], raw[20:]):
            connection.sendall(part)
            time.sleep(0.5)
        answer = connection.recv(65536)

    assert answer.startswith(b"HTTP/1.1 200 OK")


def test_a_connection_that_never_begins_a_request_is_closed(start_live_server) -> None:  # type: ignore[no-untyped-def]
    server = start_live_server(request_timeout_seconds="1")
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=8) as connection:
        started = time.monotonic()
        assert connection.recv(65536) == b""
        waited = time.monotonic() - started

    assert 0.5 < waited < 4, f"closed after {waited:.1f} s"
