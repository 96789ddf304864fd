"""The OpenAPI document tells the truth, as Schemathesis finds by testing the live API with it.

Schemathesis reads /api/v1/openapi.json and sends every operation inputs generated from it,
valid and invalid, with a registered key: no answer may be a 5xx or a 422, and every answer
must match what the document gives for its operation and status.

One of its checks is left out: that every input the schema allows is accepted. The document
cannot say all that the API checks (whether a selector parses, whether a domain is one, whether
a parameter's default matches its type), so such inputs are rightly answered 400.
"""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.domainservers import Website, Zone
from tests.live import LiveServer

pytestmark = pytest.mark.live

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_every_operation_answers_as_the_document_says(
    start_live_server: Callable[..., LiveServer], tmp_path: Path, zone: Zone, website: Website
) -> None:
    # Limits are off so that generated requests reach the routes rather than a 429. Domain
    # checks go to the loopback DNS and HTTP servers, which know nothing of the domain.
    server = start_live_server(
        rate_limits_enabled="false",
        verification_dns_servers=f"127.0.0.1:{zone.port}",
        verification_http_scheme="http",
        verification_http_port=str(website.port),
        verification_timeout_seconds="1",
    )
    website = httpx.post(
        f"{server.api}/websites/register",
        json={"domain": "shop.example", "owner_email": "a@shop.example", "website_name": "Shop"},
    ).json()
    command = [
        str(SCHEMATHESIS),
        "--no-color",
        "run",
        f"{server.api}/openapi.json",
        "--header",
        f"X-API-Key: {website['api_key']}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        "100",
        "--workers",
        "1",
    ]

    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)

    assert result.returncode == 0, result.stdout[-30000:] + result.stderr[-5000:]
