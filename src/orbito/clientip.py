"""Who the client is: the TCP peer, or what a trusted proxy says in X-Forwarded-For."""

import socket
from collections.abc import Iterable, Mapping
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

Network = IPv4Network | IPv6Network


class TrustedProxies:
    """The proxies whose X-Forwarded-For is believed; their IPv4 networks also as integers,
    so that the usual hop, an IPv4 address, is checked without building an address object."""

    def __init__(self, networks: Iterable[Network]) -> None:
        self.networks = tuple(networks)
        self._ipv4 = tuple(
            (int(network.network_address), int(network.netmask))
            for network in self.networks
            if network.version == 4
        )

    def trust(self, address: IPv4Address | IPv6Address) -> bool:
        return any(address in network for network in self.networks)

    def trust_ipv4(self, value: int) -> bool:
        # A loop, not any(): on every request, a generator cost more than the test.
        for base, mask in self._ipv4:
            if value & mask == base:
                return True
        return False


# Small: it pays for the proxies' addresses, seen on every request, while one entry for each
# of a site's many visitors would hold megabytes for addresses that are parsed in microseconds.
@lru_cache(maxsize=1024)
def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket (`::ffff:203.0.113.5`) is that IPv4
    # address: to the trusted networks, and to the limits it is counted under.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def ipv4_number(text: str) -> int | None:
    """The address as an integer if `text` is an IPv4 address written as `ip_address` would
    write it (four decimal parts, no leading zeros); None for anything else."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError):
        return None


def client_ip(scope: Mapping[str, Any], proxies: TrustedProxies) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    peer_value = ipv4_number(peer)
    if peer_value is not None:
        if not proxies.trust_ipv4(peer_value):
            return peer
    else:
        peer_address = _parse(peer)
        if peer_address is None:
            return peer
        peer = str(peer_address)  # an IPv6 peer in its one form, a mapped IPv4 one as IPv4
        if not proxies.trust(peer_address):
            return peer

    forwarded = [
        value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"
    ]
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    # Walk from the nearest hop outwards: each trusted proxy vouches for the hop before it.
    found = peer
    for hop in reversed(hops):
        value = ipv4_number(hop)
        if value is not None:
            found = hop  # already in the form `ip_address` would give
            if not proxies.trust_ipv4(value):
                break
            continue
        address = _parse(hop)
        if address is None:
            break  # garbage cannot be a client; the last proxy that vouched is the best we know
        found = str(address)
        if not proxies.trust(address):
            break
    return found
