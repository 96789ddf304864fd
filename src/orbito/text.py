"""Rules for free text that every stored string follows, whatever field it is in."""

import unicodedata

# Tabs and line breaks belong in prose; other control characters never do, and NUL cannot be
# stored in a PostgreSQL text column at all.
_PROSE_CONTROLS = frozenset("\t\n\r")


def has_control_characters(value: str, *, prose: bool = False) -> bool:
    allowed = _PROSE_CONTROLS if prose else frozenset()
    return any(
        unicodedata.category(character) == "Cc" and character not in allowed for character in value
    )


def check_line(value: str) -> str:
    """A one-line value: no control characters at all."""
    if has_control_characters(value):
        raise ValueError("must not contain control characters")
    return value


def check_prose(value: str) -> str:
    """Free text: tabs and line breaks are kept, other control characters refused."""
    if has_control_characters(value, prose=True):
        raise ValueError("must not contain control characters other than tabs and line breaks")
    return value
