"""Who the client is: the TCP peer, or what a trusted proxy says in X-Forwarded-For."""

import sys
from collections.abc import Mapping
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

Network = IPv4Network | IPv6Network


# Small: it pays for the proxies' addresses, seen on every request, while one entry for each
# of a site's many visitors would hold megabytes for addresses that are parsed in microseconds.
@lru_cache(maxsize=1024)
def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)


def client_ip(scope: Mapping[str, Any], proxies: tuple[Network, ...]) -> str:
    # One string per address, however many requests and limits name it: each limit's counters
    # are keyed by it, and a popular site has tens of thousands of visitors in a window.
    return sys.intern(_client_ip(scope, proxies))


def _client_ip(scope: Mapping[str, Any], proxies: tuple[Network, ...]) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not proxies:
        return peer
    peer_address = _parse(peer)
    if peer_address is None or not _trusted(peer_address, proxies):
        return peer

    forwarded = [
        value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"
    ]
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    # Walk from the nearest hop outwards: each trusted proxy vouches for the hop before it.
    client_address = peer_address
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage cannot be a client; the last proxy that vouched is the best we know
        client_address = address
        if not _trusted(address, proxies):
            break
    return str(client_address)
