import pytest

from orbito.websites.domains import InvalidDomain, normalise_domain


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("example.com", "example.com"),
        ("  Example.COM  ", "example.com"),
        ("example.com.", "example.com"),
        ("Bücher.Example.", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("faß.de", "xn--fa-hia.de"),
        ("localhost", "localhost"),
        ("www.example.com", "www.example.com"),
        ("a-b.c0.io", "a-b.c0.io"),
        ("1.2.3.example", "1.2.3.example"),
        (("a" * 63) + ".com", ("a" * 63) + ".com"),
    ],
)
def test_domains_are_normalised(given: str, expected: str) -> None:
    assert normalise_domain(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "required"),
        ("   ", "required"),
        ("https://example.com", "scheme"),
        ("example.com:8080", "port"),
        ("example.com/shop", "path"),
        ("example.com?x=1", "query"),
        ("user@example.com", "user information"),
        ("*.example.com", "wildcard"),
        ("exa mple.com", "spaces"),
        ("192.168.0.1", "IP addresses"),
        ("example.123", "IP addresses"),
        ("a.123", "the last label must not be all digits"),
        ("1.2.3.4.5", "the last label must not be all digits"),
        ("com", "two labels"),
        (("a" * 64) + ".com", "label"),
        ("-example.com", "label"),
        ("example-.com", "label"),
        ("exa_mple.com", "label"),
        ("example..com", "label"),
        ("example.com..", "label"),
        ("xn--zz.com", "internationalised"),
        (".".join(["abcdefghi"] * 26), "253"),
        ("⒈.com", "internationalised"),
    ],
)
def test_invalid_domains_are_refused_with_a_reason(given: str, reason: str) -> None:
    with pytest.raises(InvalidDomain, match=reason):
        normalise_domain(given)


def test_www_is_a_different_domain() -> None:
    assert normalise_domain("www.example.com") != normalise_domain("example.com")
