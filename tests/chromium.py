"""The Chromium that the browser tests drive, through Playwright, with no browser download.

`ORBITO_TEST_CHROMIUM` names it (`.ci/run` sets it, and the run then fails if it is missing);
otherwise Debian's /usr/bin/chromium is used when present, and the tests are skipped when not.
"""

import os
from pathlib import Path

NAMED = os.environ.get("ORBITO_TEST_CHROMIUM") or None
PATH = NAMED or "/usr/bin/chromium"


def available() -> bool:
    return Path(PATH).is_file()


def check() -> None:
    if not available():
        raise RuntimeError(f"ORBITO_TEST_CHROMIUM names {PATH}, which does not exist")
