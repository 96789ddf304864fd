"""Each answer's head waits for its body, so that it leaves in one write; nothing may be held.

The first tests speak HTTP over a socket to a real `orbito serve`: the interim 100 Continue, a
HEAD, a 304 and pipelined requests are the answers whose head could be kept waiting.
"""

import json
import socket
from urllib.parse import urlsplit

import pytest

from orbito.http.protocol import _HeadWithBody
from tests.live import LiveServer

BODY = json.dumps(
    {"domain": "writes.example", "owner_email": "o@writes.example", "website_name": "Writes"}
).encode()


def connect(server: LiveServer) -> socket.socket:
    address = urlsplit(server.base_url)
    return socket.create_connection((address.hostname, address.port), timeout=3)


def read_answers(
    connection: socket.socket, count: int, heads_only: tuple[int, ...] = ()
) -> list[tuple[str, dict, bytes]]:
    """`count` whole answers, each as its status line, headers and body; those numbered in
    `heads_only` answer a HEAD, whose Content-Length is that of the body it leaves out."""
    buffer, answers = b"", []
    while len(answers) < count:
        while b"\r\n\r\n" not in buffer:
            buffer += _received(connection)
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        status, *lines = head.decode().split("\r\n")
        pairs = (line.split(": ", 1) for line in lines)
        headers = {name.lower(): value for name, value in pairs}
        length = 0 if len(answers) in heads_only else int(headers.get("content-length", 0))
        while len(buffer) < length:
            buffer += _received(connection)
        answers.append((status, headers, buffer[:length]))
        buffer = buffer[length:]
    return answers


def _received(connection: socket.socket) -> bytes:
    chunk = connection.recv(65536)
    assert chunk, "the server closed the connection before the whole answer"
    return chunk


@pytest.mark.live
def test_the_interim_100_continue_is_sent_before_the_body_is(live_server: LiveServer) -> None:
    with connect(live_server) as connection:
        connection.sendall(
            b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)
        )
        # Held back, it would never come: the server waits for the body, the client for this.
        assert connection.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        connection.sendall(BODY)
        [(status, headers, body)] = read_answers(connection, 1)
    assert status == "HTTP/1.1 201 Created"
    assert json.loads(body)["domain"] == "writes.example"
    assert headers["x-request-id"]


@pytest.mark.live
def test_answers_with_no_body_and_pipelined_answers_all_arrive(live_server: LiveServer) -> None:
    with connect(live_server) as connection:
        connection.sendall(
            b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /api/v1/actions?domain=nobody.example HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        head, health, unknown = read_answers(connection, 3, heads_only=(0,))
        tag = _discovery_tag(connection, live_server)
        connection.sendall(
            b"GET /api/v1/actions?domain=writes-tag.example HTTP/1.1\r\nHost: x\r\n"
            b"If-None-Match: " + tag.encode() + b"\r\n\r\n"
        )
        [(not_modified, headers, body)] = read_answers(connection, 1)
    assert head[0] == "HTTP/1.1 405 Method Not Allowed" and head[2] == b""
    assert health[0] == "HTTP/1.1 200 OK" and json.loads(health[2]) == {"status": "ok"}
    assert unknown[0] == "HTTP/1.1 404 Not Found"
    assert json.loads(unknown[2])["error"]["code"] == "DOMAIN_NOT_FOUND"
    assert not_modified == "HTTP/1.1 304 Not Modified"
    assert headers["etag"] == tag and body == b""


def _discovery_tag(connection: socket.socket, server: LiveServer) -> str:
    body = json.dumps(
        {"domain": "writes-tag.example", "owner_email": "o@writes.example", "website_name": "T"}
    ).encode()
    connection.sendall(
        b"POST /api/v1/websites/register HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
        % len(body)
        + body
        + b"GET /api/v1/actions?domain=writes-tag.example HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    registered, listed = read_answers(connection, 2)
    assert registered[0] == "HTTP/1.1 201 Created"
    return listed[1]["etag"]


class _Recorded:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"extra {name}"


def test_a_head_and_its_body_leave_in_one_write() -> None:
    transport = _Recorded()
    answer = _HeadWithBody(transport)  # type: ignore[arg-type]
    answer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert transport.writes == []
    answer.write(b"{}")
    answer.write(b"")
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", b""]
    assert answer.get_extra_info("peername") == "extra peername"


def test_an_interim_answer_is_not_held_and_the_final_head_still_is() -> None:
    transport = _Recorded()
    answer = _HeadWithBody(transport)  # type: ignore[arg-type]
    answer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    answer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 1\r\n\r\n")
    answer.write(b"x")
    assert transport.writes == [
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 201 Created\r\ncontent-length: 1\r\n\r\nx",
    ]


def test_a_body_that_looks_like_a_head_is_never_held() -> None:
    transport = _Recorded()
    answer = _HeadWithBody(transport)  # type: ignore[arg-type]
    answer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    answer.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.writes == [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"
    ]
    answer.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert len(transport.writes) == 2


def test_closing_sends_a_head_still_held() -> None:
    transport = _Recorded()
    answer = _HeadWithBody(transport)  # type: ignore[arg-type]
    answer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
    answer.close()
    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"]
    assert transport.closed
