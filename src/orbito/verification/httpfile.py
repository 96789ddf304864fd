"""Fetching the verification file from the website itself, as carefully as a stranger's URL.

The domain is the owner's to choose, so the fetch is built so it cannot be turned on anyone
else: it connects only to an address the domain resolved to, never a private, loopback or
link-local one unless the operator allows them, sends one GET for one fixed path, follows no
redirect, stops at a deadline and reads at most a few kilobytes.
"""

import asyncio
import ssl
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, IPv6Network
from typing import Any

import httptools

from orbito import __version__
from orbito.verification.resolver import LookupFailed, Resolver

WELL_KNOWN_PATH = "/.well-known/orbito-verification.txt"
# The file holds one token; anything longer is not ours, and reading on would only cost.
MAX_BODY_BYTES = 1024
MAX_RESPONSE_BYTES = 16 * 1024


class FetchFailed(Exception):
    """The file could not be read; the message says why, for the owner."""


class Unreachable(FetchFailed):
    """No connection to one of the domain's addresses; another may still answer."""


# IPv6 ranges that carry an IPv4 address a gateway may reach on the IPv6 host's behalf: NAT64
# (the well-known and the local-use prefixes), IPv4-compatible and IPv4-translated addresses.
# For the well-known NAT64 prefix the IPv4 address inside decides; the others, which any
# network may route anywhere, are never public.
_NAT64 = IPv6Network("64:ff9b::/96")
_NEVER_PUBLIC = (
    IPv6Network("64:ff9b:1::/48"),
    IPv6Network("::/96"),
    IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    IPv6Network("fec0::/10"),  # site-local, deprecated but still routed by some networks
)


def public(address: IPv4Address | IPv6Address) -> bool:
    """Whether an address is on the public internet, an IPv4 one carried in IPv6 included."""
    if isinstance(address, IPv6Address):
        if any(address in network for network in _NEVER_PUBLIC):
            return False
        carried = [address.ipv4_mapped, address.sixtofour]
        if address in _NAT64:
            carried.append(IPv4Address(int(address) & 0xFFFFFFFF))
        if address.teredo is not None:
            carried.extend(address.teredo)
        if any(inner is not None and not public(inner) for inner in carried):
            return False
    return address.is_global and not address.is_multicast


@dataclass
class _Answer:
    status: int = 0
    body: bytearray = field(default_factory=bytearray)
    headers_done: bool = False
    complete: bool = False
    too_large: bool = False
    # Whether the answer says where its body ends; one that does not ends when the connection
    # closes.
    delimited: bool = False
    parser: Any = None

    # httptools' callbacks, named as it calls them. Anything after the first answer (a server
    # may send more on the same connection) is ignored: the first answer alone decides.
    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.delimited = True

    def on_headers_complete(self) -> None:
        if not self.headers_done:
            self.status = self.parser.get_status_code()
        self.headers_done = True

    def on_body(self, chunk: bytes) -> None:
        if self.complete:
            return
        # Noted rather than raised: the parser would wrap an exception as its own error.
        self.too_large = self.too_large or len(self.body) + len(chunk) > MAX_BODY_BYTES
        if not self.too_large:
            self.body += chunk

    def on_message_complete(self) -> None:
        self.complete = True


@dataclass(frozen=True)
class FileFetcher:
    resolver: Resolver
    scheme: str
    port: int | None
    allow_private: bool
    timeout_seconds: float

    def url(self, domain: str) -> str:
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{domain}{port}{WELL_KNOWN_PATH}"

    async def fetch(self, domain: str) -> str:
        """The file's text, from a 200 answer; FetchFailed for anything else."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._fetch(domain)
        except TimeoutError:
            raise FetchFailed(f"no answer within {self.timeout_seconds:g} seconds") from None

    async def _fetch(self, domain: str) -> str:
        """From the first usable address that takes the connection, in the order DNS gave."""
        unreachable: Unreachable | None = None
        for address in await self._addresses(domain):
            try:
                return await self._get(domain, address)
            except Unreachable as failure:
                unreachable = failure
        assert unreachable is not None  # there is at least one address
        raise unreachable

    async def _addresses(self, domain: str) -> list[IPv4Address | IPv6Address]:
        try:
            addresses = await self.resolver.addresses(domain)
        except LookupFailed as failure:
            raise FetchFailed(str(failure)) from None
        usable = [address for address in addresses if self.allow_private or public(address)]
        if not usable:
            listed = ", ".join(str(address) for address in addresses)
            raise FetchFailed(f"{domain} resolves only to non-public addresses ({listed})")
        return usable

    async def _get(self, domain: str, address: IPv4Address | IPv6Address) -> str:
        https = self.scheme == "https"
        port = self.port or (443 if https else 80)
        try:
            reader, writer = await asyncio.open_connection(
                str(address),
                port,
                ssl=ssl.create_default_context() if https else None,
                server_hostname=domain if https else None,
            )
        except ssl.SSLError as error:
            raise FetchFailed(f"the TLS handshake with {domain} failed ({error.reason})") from None
        except OSError as error:
            raise Unreachable(f"could not connect to {address} port {port} ({error})") from None
        try:
            host = domain if self.port is None else f"{domain}:{port}"
            writer.write(
                f"GET {WELL_KNOWN_PATH} HTTP/1.1\r\nHost: {host}\r\n"
                f"User-Agent: Orbito-Verifier/{__version__}\r\nAccept: text/plain\r\n"
                "Connection: close\r\n\r\n".encode("ascii")
            )
            answer = await _read_answer(reader)
        finally:
            writer.close()
        if 300 <= answer.status < 400:
            raise FetchFailed(f"answered a redirect ({answer.status}); redirects are not followed")
        if answer.status != 200:
            raise FetchFailed(f"answered HTTP {answer.status}, not 200")
        try:
            return answer.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FetchFailed("the file is not UTF-8 text") from None


async def _read_answer(reader: asyncio.StreamReader) -> _Answer:
    answer = _Answer()
    parser = answer.parser = httptools.HttpResponseParser(answer)
    received = 0
    while not answer.complete:
        try:
            chunk = await reader.read(4096)
        except OSError as error:
            raise FetchFailed(f"the connection failed while reading ({error})") from None
        received += len(chunk)
        if received > MAX_RESPONSE_BYTES:
            raise FetchFailed(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        if not chunk:
            # Only a body without a stated length may end with the connection.
            answer.complete = answer.headers_done and not answer.delimited
            break
        try:
            parser.feed_data(chunk)
        except httptools.HttpParserError:
            raise FetchFailed("the answer is not valid HTTP") from None
        if answer.too_large:
            raise FetchFailed(f"the file is larger than {MAX_BODY_BYTES} bytes")
    if not answer.complete:
        raise FetchFailed("the connection closed before the answer was complete")
    return answer
