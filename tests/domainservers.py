"""A website's domain on loopback: a DNS server for its records, an HTTP server for its files.

The verifier is pointed at both by settings; nothing leaves the machine.
"""

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from dnslib import AAAA, QTYPE, RCODE, RR, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class Zone(BaseResolver):
    """Records by (name, type); a name with no record of any type does not exist."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list] = {}

    def add(self, name: str, record_type: str, *values: object) -> None:
        make = {"A": A, "AAAA": AAAA, "TXT": TXT}[record_type]
        self.records.setdefault((name, record_type), []).extend(make(value) for value in values)

    def resolve(self, request, handler):  # type: ignore[no-untyped-def]
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        record_type = QTYPE[request.q.qtype]
        for data in self.records.get((name, record_type), []):
            reply.add_answer(RR(request.q.qname, request.q.qtype, rdata=data, ttl=60))
        if not any(known == name for known, _ in self.records):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering, to play a server that does not answer in time.
    delay: float = 0.0
    # Sent as it is instead of an answer built from the fields above.
    raw: bytes = b""


class Website:
    """Answers each Host with the page set for it; 404 for any other host or path."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], Page] = {}
        self.requests: list[tuple[str, str]] = []
        website = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                website.requests.append((host, self.path))
                page = website.pages.get((host, self.path), Page(404, b"not here"))
                time.sleep(page.delay)
                if page.raw:
                    self.wfile.write(page.raw)
                    self.close_connection = True
                    return
                self.send_response(page.status)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                try:
                    self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the verifier stopped reading, as it should past its limit

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def publish(self, host: str, path: str, page: Page) -> None:
        self.pages[(host, path)] = page


@pytest.fixture
def zone() -> Iterator[Zone]:
    zone = Zone()
    quiet = DNSLogger(logf=lambda line: None)
    server = DNSServer(zone, address="127.0.0.1", port=0, logger=quiet)
    server.start_thread()
    zone.port = server.server.server_address[1]  # type: ignore[attr-defined]
    try:
        yield zone
    finally:
        server.stop()
        server.server.server_close()


@pytest.fixture
def website() -> Iterator[Website]:
    website = Website()
    thread = threading.Thread(target=website.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield website
    finally:
        website.server.shutdown()
        website.server.server_close()
