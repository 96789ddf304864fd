"""Whether a CSS selector is one that `document.querySelector` accepts.

soupsieve parses standard selectors, but also accepts extensions of its own that browsers
reject (`:contains()`, `[attr!=value]`, namespaces) and refuses pseudo-elements that browsers
accept (and never match). Both differences are settled here, before soupsieve's parse.
"""

import re
from functools import lru_cache

import soupsieve

# Pseudo-classes that current browsers accept in querySelector.
BROWSER_PSEUDO_CLASSES = frozenset(
    """
    active any-link autofill checked default defined dir disabled empty enabled first-child
    first-of-type focus focus-visible focus-within fullscreen has hover in-range indeterminate
    invalid is lang last-child last-of-type link modal not nth-child nth-last-child
    nth-last-of-type nth-of-type only-child only-of-type open optional out-of-range
    placeholder-shown paused picture-in-picture playing popover-open read-only read-write
    required root scope target user-invalid user-valid valid visited where
    """.split()
)
LEGACY_PSEUDO_ELEMENTS = ("before", "after", "first-line", "first-letter")

# Quoted strings are left out of every check: anything may appear inside them.
_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_PSEUDO_ELEMENT = re.compile(r"::[A-Za-z-]+(\([^)]*\))?")
_LEGACY_ELEMENT = re.compile(
    r":(" + "|".join(LEGACY_PSEUDO_ELEMENTS) + r")(?![\w-])", re.IGNORECASE
)
_PSEUDO_CLASS = re.compile(r"(?<![:\\]):(-?[A-Za-z][\w-]*)")


class InvalidSelector(ValueError):
    pass


# The SDK registers the same selectors on every page load; a valid one is checked once.
@lru_cache(maxsize=4096)
def check_selector(selector: str) -> str:
    unquoted = _QUOTED.sub('""', selector)
    if "!=" in unquoted:
        raise InvalidSelector("the attribute operator != is not CSS")
    if "|" in unquoted.replace("|=", ""):
        raise InvalidSelector("namespace prefixes are not supported by querySelector")
    for name in _PSEUDO_CLASS.findall(_PSEUDO_ELEMENT.sub("", unquoted)):
        lowered = name.lower()
        if lowered not in BROWSER_PSEUDO_CLASSES and lowered not in LEGACY_PSEUDO_ELEMENTS:
            raise InvalidSelector(f"browsers do not support the pseudo-class :{name}")

    # Pseudo-elements parse in browsers but never match; soupsieve refuses them, so they are
    # removed before its parse checks the rest.
    without_elements = _LEGACY_ELEMENT.sub("", _PSEUDO_ELEMENT.sub("", selector))
    try:
        soupsieve.compile(without_elements or "*")
    except Exception as error:  # soupsieve raises several types for a selector it cannot read
        raise InvalidSelector(str(error).splitlines()[0]) from None
    return selector
