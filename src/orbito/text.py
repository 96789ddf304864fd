"""Rules for free text that every stored string follows, whatever field it is in."""

import re

# Unicode's control characters (category Cc) are exactly C0, DEL and C1. Tabs and line breaks
# belong in prose; the others never do, and NUL cannot be stored in a PostgreSQL text column.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_PROSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, prose: bool = False) -> bool:
    return (_CONTROL_IN_PROSE if prose else _CONTROL).search(value) is not None


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
