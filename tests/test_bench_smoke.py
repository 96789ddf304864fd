"""The benchmark, in its short smoke mode: it runs end to end and its checks hold.

No timing is asserted: a test machine's speed says nothing about the code.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.bench, pytest.mark.live]


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (make bench installs it)")
def test_the_benchmark_runs_and_loses_no_usage_report() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    out = ROOT / "bench" / "results" / "smoke"
    document = json.loads((out / "results.json").read_text())
    cases = {(row["backend"], row["case"]): row for row in document["results"]}
    ceilings = [cases[("none", f"bare ASGI app (ceiling), {when}")] for when in ("before", "after")]
    assert max(row["ratio"] for row in ceilings) == 1.0
    for case in ("discovery, 20 actions", "usage report", "re-registering an action"):
        row = cases[("sqlite", case)]
        assert row["requests"] > 0
        assert row["non_2xx"] == 0
    assert cases[("sqlite", "usage report")]["lost"] == 0
    assert (out / "discovery.png").read_bytes().startswith(b"\x89PNG")
    assert "| usage report | sqlite |" in (out / "results.md").read_text()
