"""Domain names as registration and discovery both see them: normalised, then checked."""

import re
from functools import lru_cache

import idna

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_ALL_DIGITS = re.compile(r"[0-9]+")
_NOT_A_BARE_NAME = (
    ("://", "give the bare domain, without a scheme such as https://"),
    ("/", "give the bare domain, without a path"),
    ("?", "give the bare domain, without a query"),
    ("#", "give the bare domain, without a fragment"),
    ("@", "give the bare domain, without user information"),
    (":", "give the bare domain, without a port"),
    ("*", "wildcards are not allowed"),
)


class InvalidDomain(ValueError):
    pass


# Discovery normalises the same few popular domains on every page load of every visitor.
@lru_cache(maxsize=4096)
def normalise_domain(raw: str) -> str:
    """Trim, lowercase, drop one trailing dot and convert to ASCII (UTS 46), then validate."""
    domain = raw.strip().lower()
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain:
        raise InvalidDomain("a domain is required")
    for marker, message in _NOT_A_BARE_NAME:
        if marker in domain:
            raise InvalidDomain(message)
    if any(character.isspace() for character in domain):
        raise InvalidDomain("a domain cannot contain spaces")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            raise InvalidDomain(f"not a valid internationalised domain name ({error})") from None
    _check_ascii_domain(domain)
    return domain


def _check_ascii_domain(domain: str) -> None:
    if len(domain) > 253:
        raise InvalidDomain("a domain is at most 253 characters long")
    labels = domain.split(".")
    if len(labels) < 2 and domain != "localhost":
        raise InvalidDomain("a domain needs at least two labels, such as example.com")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise InvalidDomain(
                f"label {label!r} must be 1-63 characters of a-z, 0-9 and '-', "
                "neither starting nor ending with '-'"
            )
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                raise InvalidDomain(
                    f"label {label!r} is not a valid internationalised label"
                ) from None
    if _ALL_DIGITS.fullmatch(labels[-1]):
        raise InvalidDomain(
            "the last label must not be all digits: IP addresses are not accepted; "
            "give a domain name"
        )
