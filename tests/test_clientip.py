from ipaddress import ip_network

import pytest

from orbito.clientip import TrustedProxies, client_ip

PROXIES = TrustedProxies([ip_network("10.0.0.0/8"), ip_network("2001:db8::/32")])


def scope(peer: str, *forwarded: str) -> dict:
    return {
        "client": (peer, 1234),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


@pytest.mark.parametrize(
    ("request_scope", "expected"),
    [
        (scope("198.51.100.1"), "198.51.100.1"),
        (scope("198.51.100.1", "192.0.2.1"), "198.51.100.1"),
        (scope("10.1.1.1"), "10.1.1.1"),
        (scope("10.1.1.1", "192.0.2.1"), "192.0.2.1"),
        (scope("10.1.1.1", "192.0.2.66, 192.0.2.1"), "192.0.2.1"),
        (scope("10.1.1.1", "192.0.2.1, 10.2.2.2"), "192.0.2.1"),
        (scope("10.1.1.1", "192.0.2.9", "192.0.2.1, 10.2.2.2"), "192.0.2.1"),
        (scope("10.1.1.1", "10.3.3.3, 10.2.2.2"), "10.3.3.3"),
        (scope("10.1.1.1", "garbage, 10.2.2.2"), "10.2.2.2"),
        (scope("10.1.1.1", "192.0.2.1, not-an-ip"), "10.1.1.1"),
        (scope("2001:db8::1", "2001:db9::5"), "2001:db9::5"),
        (scope("10.1.1.1", " "), "10.1.1.1"),
        # Written otherwise than `ip_address` would write them: parsed the long way, and named
        # in its form, or refused like garbage.
        (scope("10.1.1.1", "::ffff:192.0.2.1"), "192.0.2.1"),
        # A dual-stack socket shows IPv4 peers and proxies as IPv4-mapped IPv6 addresses.
        (scope("::ffff:10.1.1.1", "192.0.2.1"), "192.0.2.1"),
        (scope("::ffff:10.1.1.1", "192.0.2.1, ::ffff:10.2.2.2"), "192.0.2.1"),
        (scope("::ffff:198.51.100.1", "192.0.2.1"), "198.51.100.1"),
        (scope("10.1.1.1", "2001:DB9::5"), "2001:db9::5"),
        (scope("10.1.1.1", "192.0.2.01"), "10.1.1.1"),
        (scope("10.1.1.1", "١٩٢.0.2.1"), "10.1.1.1"),
        (scope("10.1.1.1", "10.255.255.255, 11.0.0.0"), "11.0.0.0"),
        (scope("10.1.1.1", "9.255.255.255, 10.0.0.0"), "9.255.255.255"),
        (scope("2001:db8::1", "192.0.2.1, 2001:db8::2"), "192.0.2.1"),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(request_scope: dict, expected: str) -> None:
    assert client_ip(request_scope, PROXIES) == expected


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_ip(scope("10.1.1.1", "192.0.2.1"), TrustedProxies([])) == "10.1.1.1"
