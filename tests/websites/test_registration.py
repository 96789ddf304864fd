import hashlib
import re
import uuid

import httpx
import pytest

from tests.db import every_stored_value
from tests.factories import register_website

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
KEY = re.compile(r"orbito_key_[A-Za-z0-9_-]{43,}")
VALID = {
    "domain": "example.com",
    "owner_email": "owner@example.com",
    "website_name": "Example Website",
}


async def test_registration_answers_201_with_id_key_and_time(client: httpx.AsyncClient) -> None:
    response = await client.post("/websites/register", json=VALID)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"website_id", "domain", "api_key", "created_at"}
    assert body["domain"] == "example.com"
    assert str(uuid.UUID(body["website_id"], version=4)) == body["website_id"]
    assert KEY.fullmatch(body["api_key"])
    assert TIMESTAMP.fullmatch(body["created_at"])
    assert response.headers["content-type"] == "application/json"


async def test_each_registration_gets_its_own_key(client: httpx.AsyncClient) -> None:
    first = await register_website(client, "one.example")
    second = await register_website(client, "two.example")
    assert first["api_key"] != second["api_key"]
    assert first["website_id"] != second["website_id"]


async def test_only_a_digest_of_the_key_is_stored(
    client: httpx.AsyncClient, database_url: str
) -> None:
    site = await register_website(client, "example.com")

    stored = await every_stored_value(database_url)

    assert site["api_key"] not in stored
    assert hashlib.sha256(site["api_key"].encode()).hexdigest() in stored


async def test_domain_is_answered_in_normalised_form(client: httpx.AsyncClient) -> None:
    body = await register_website(client, "Bücher.Example.")
    assert body["domain"] == "xn--bcher-kva.example"


@pytest.mark.parametrize("variant", ["example.com", "EXAMPLE.com", "example.com.", " example.com "])
async def test_a_taken_domain_is_409_in_any_spelling(
    client: httpx.AsyncClient, variant: str
) -> None:
    await register_website(client, "example.com")

    response = await client.post("/websites/register", json={**VALID, "domain": variant})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "DOMAIN_ALREADY_EXISTS"


async def test_www_and_bare_domain_are_different_websites(client: httpx.AsyncClient) -> None:
    await register_website(client, "example.com")
    body = await register_website(client, "www.example.com")
    assert body["domain"] == "www.example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"owner_email": "a@b.co", "website_name": "x"}, "domain"),
        ({"domain": "example.com", "website_name": "x"}, "owner_email"),
        ({"domain": "example.com", "owner_email": "a@b.co"}, "website_name"),
        ({**VALID, "domain": "https://example.com"}, "domain"),
        ({**VALID, "domain": "example.com:443"}, "domain"),
        ({**VALID, "domain": "10.0.0.1"}, "domain"),
        ({**VALID, "domain": 42}, "domain"),
        ({**VALID, "domain": ""}, "domain"),
        ({**VALID, "owner_email": "not-an-email"}, "owner_email"),
        ({**VALID, "owner_email": "a" * 250 + "@b.co"}, "owner_email"),
        ({**VALID, "owner_email": ["a@b.co"]}, "owner_email"),
        ({**VALID, "website_name": "   "}, "website_name"),
        ({**VALID, "website_name": "x" * 201}, "website_name"),
        ({**VALID, "website_name": None}, "website_name"),
        ({**VALID, "website_name": "nul\u0000inside"}, "website_name"),
        ({**VALID, "website_name": "two\nlines"}, "website_name"),
        ({**VALID, "owner_email": "a" * 65 + "@example.com"}, "owner_email"),
    ],
)
async def test_invalid_registrations_name_the_field(
    client: httpx.AsyncClient, body: dict, field: str
) -> None:
    response = await client.post("/websites/register", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_SCHEMA"
    assert field in [item["field"] for item in error["details"]["fields"]]


async def test_website_name_is_trimmed_and_unknown_fields_ignored(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/websites/register", json={**VALID, "website_name": "  Shop  ", "plan": "gold"}
    )
    site = response.json()

    details = await client.get(
        f"/websites/{site['website_id']}", headers={"X-API-Key": site["api_key"]}
    )

    assert response.status_code == 201
    assert details.json()["website_name"] == "Shop"
    assert "plan" not in details.json()
