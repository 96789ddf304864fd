"""Proving a domain by a file over HTTP or a DNS TXT record, against servers on loopback."""

import socket
import time
from collections.abc import AsyncIterator, Callable
from ipaddress import ip_address

import httpx
import pytest

from orbito.settings import Settings
from orbito.verification.httpfile import public
from tests.conftest import client_for, running_app
from tests.domainservers import Page, Website, Zone
from tests.factories import keyed, register_website
from tests.live import LiveServer

FILE = "/.well-known/orbito-verification.txt"
DOMAIN = "shop.example"


@pytest.fixture
def verifying_settings(
    make_settings: Callable[..., Settings], zone: Zone, website: Website
) -> Callable[..., Settings]:
    """Settings that send the verifier to the loopback DNS and HTTP servers."""
    zone.add(DOMAIN, "A", "127.0.0.1")

    def make(**overrides: object) -> Settings:
        return make_settings(
            **{
                "verification_dns_servers": [f"127.0.0.1:{zone.port}"],
                "verification_http_scheme": "http",
                "verification_http_port": website.port,
                "verification_allow_private_addresses": True,
                "verification_timeout_seconds": 2.0,
                **overrides,
            }
        )

    return make


@pytest.fixture
async def client(verifying_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(verifying_settings()) as app, client_for(app) as http:
        yield http


async def state(client: httpx.AsyncClient, site: dict) -> dict:
    response = await client.get(
        f"/websites/{site['website_id']}/verification", headers=keyed(site["api_key"])
    )
    assert response.status_code == 200, response.text
    return response.json()


async def check(client: httpx.AsyncClient, site: dict, **body: str) -> httpx.Response:
    return await client.post(
        f"/websites/{site['website_id']}/verification",
        json=body or None,
        headers=keyed(site["api_key"]),
    )


async def test_a_new_website_is_unverified_and_told_how_to_prove_it(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    body = await state(client, site)
    token = body["token"]

    assert len(token) >= 32
    assert body == {
        "website_id": site["website_id"],
        "domain": DOMAIN,
        "verified": False,
        "verified_at": None,
        "verified_by": None,
        "token": token,
        "methods": {
            "http": {"url": f"http://{DOMAIN}:{website.port}{FILE}", "content": token},
            "dns": {"name": DOMAIN, "type": "TXT", "value": f"orbito-verification={token}"},
        },
        "last_check": None,
    }


async def test_each_website_has_its_own_token_that_stays_the_same(
    client: httpx.AsyncClient,
) -> None:
    first = await register_website(client, DOMAIN)
    second = await register_website(client, "other.example")
    assert (await state(client, first))["token"] == (await state(client, first))["token"]
    assert (await state(client, first))["token"] != (await state(client, second))["token"]


async def test_the_http_file_verifies_the_domain(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"]
    website.publish(DOMAIN, FILE, Page(body=f"{token}\n".encode()))

    response = await check(client, site, method="http")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["verified"], body["verified_by"]) == (True, "http")
    assert body["verified_at"] == body["last_check"]["checked_at"]
    assert body["last_check"]["results"] == [
        {"method": "http", "verified": True, "reason": f"{FILE} holds the token"}
    ]
    assert website.requests == [(DOMAIN, FILE)]
    details = await client.get(f"/websites/{site['website_id']}", headers=keyed(site["api_key"]))
    assert details.json()["verified"] is True
    discovery = await client.get("/actions", params={"domain": DOMAIN})
    assert discovery.json()["verified"] is True


async def test_the_dns_record_verifies_the_domain(client: httpx.AsyncClient, zone: Zone) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"]
    zone.add(DOMAIN, "TXT", "v=spf1 -all", f"orbito-verification={token}")

    body = (await check(client, site, method="dns")).json()

    assert (body["verified"], body["verified_by"]) == (True, "dns")
    assert body["last_check"]["results"] == [
        {"method": "dns", "verified": True, "reason": f"a TXT record of {DOMAIN} holds the token"}
    ]


async def test_a_txt_record_split_into_strings_is_read_whole(
    client: httpx.AsyncClient, zone: Zone
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"]
    zone.add(DOMAIN, "TXT", ["orbito-verification=", token])

    assert (await check(client, site, method="dns")).json()["verified"] is True


async def test_without_a_method_both_are_checked_and_one_is_enough(
    client: httpx.AsyncClient, zone: Zone
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"]
    zone.add(DOMAIN, "TXT", f"orbito-verification={token}")

    body = (await check(client, site)).json()

    assert (body["verified"], body["verified_by"]) == (True, "dns")
    http, dns = body["last_check"]["results"]
    assert (http["method"], http["verified"]) == ("http", False)
    assert http["reason"] == f"{FILE}: answered HTTP 404, not 200"
    assert (dns["method"], dns["verified"]) == ("dns", True)


async def test_nothing_published_leaves_it_unverified_with_reasons(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, DOMAIN)

    response = await check(client, site)

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["verified_at"] is None
    assert body["last_check"]["results"] == [
        {"method": "http", "verified": False, "reason": f"{FILE}: answered HTTP 404, not 200"},
        {"method": "dns", "verified": False, "reason": f"{DOMAIN} has no TXT record"},
    ]
    discovery = await client.get("/actions", params={"domain": DOMAIN})
    assert discovery.json()["verified"] is False


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (Page(body=b"someone-else's-token"), f"{FILE} does not hold this website's token"),
        (
            Page(301, headers={"Location": "http://elsewhere.example/"}),
            f"{FILE}: answered a redirect (301); redirects are not followed",
        ),
        (Page(500, b"oops"), f"{FILE}: answered HTTP 500, not 200"),
        (Page(body=b"x" * 5000), f"{FILE}: the file is larger than 1024 bytes"),
        (Page(body=b"\xff\xfe\xfa"), f"{FILE}: the file is not UTF-8 text"),
        (Page(delay=3), f"{FILE}: no answer within 0.5 seconds"),
    ],
    ids=["other-token", "redirect", "server-error", "too-large", "not-utf8", "too-slow"],
)
async def test_a_file_that_does_not_prove_it_says_why(
    verifying_settings: Callable[..., Settings], website: Website, page: Page, reason: str
) -> None:
    settings = verifying_settings(verification_timeout_seconds=0.5)
    async with running_app(settings) as app, client_for(app) as client:
        site = await register_website(client, DOMAIN)
        website.publish(DOMAIN, FILE, page)
        body = (await check(client, site, method="http")).json()

    assert body["verified"] is False
    assert body["last_check"]["results"] == [
        {"method": "http", "verified": False, "reason": reason}
    ]


async def test_only_the_first_answer_on_the_connection_counts(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"].encode()
    second = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(token), token)
    website.publish(
        DOMAIN, FILE, Page(raw=b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" + second)
    )

    [result] = (await check(client, site, method="http")).json()["last_check"]["results"]

    assert result == {
        "method": "http",
        "verified": False,
        "reason": f"{FILE}: answered HTTP 404, not 200",
    }


async def test_a_body_cut_short_of_its_length_is_refused(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"].encode()
    website.publish(
        DOMAIN, FILE, Page(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + token)
    )

    [result] = (await check(client, site, method="http")).json()["last_check"]["results"]

    assert result["verified"] is False
    assert result["reason"] == f"{FILE}: the connection closed before the answer was complete"


async def test_a_body_ended_by_closing_is_read_whole(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"].encode()
    website.publish(DOMAIN, FILE, Page(raw=b"HTTP/1.1 200 OK\r\n\r\n" + token))

    assert (await check(client, site, method="http")).json()["verified"] is True


async def test_every_address_of_the_domain_is_tried_in_turn(
    client: httpx.AsyncClient, website: Website, zone: Zone
) -> None:
    # Nothing listens on 127.0.0.2; the website answers on 127.0.0.1.
    zone.add("two.example", "A", "127.0.0.2", "127.0.0.1")
    site = await register_website(client, "two.example")
    token = (await state(client, site))["token"]
    website.publish("two.example", FILE, Page(body=token.encode()))

    assert (await check(client, site, method="http")).json()["verified"] is True


async def test_a_redirect_to_the_token_is_not_followed(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"]
    website.publish(DOMAIN, FILE, Page(302, headers={"Location": f"{FILE}.real"}))
    website.publish(DOMAIN, f"{FILE}.real", Page(body=token.encode()))

    assert (await check(client, site, method="http")).json()["verified"] is False
    assert website.requests == [(DOMAIN, FILE)]


async def test_private_addresses_are_refused_unless_allowed(
    verifying_settings: Callable[..., Settings], website: Website, zone: Zone
) -> None:
    zone.add("inside.example", "A", "10.1.2.3", "169.254.169.254")
    zone.add("inside.example", "AAAA", "::1", "::ffff:7f00:1")
    settings = verifying_settings(verification_allow_private_addresses=False)
    async with running_app(settings) as app, client_for(app) as client:
        for domain in (DOMAIN, "inside.example"):
            site = await register_website(client, domain)
            token = (await state(client, site))["token"]
            website.publish(domain, FILE, Page(body=token.encode()))
            [result] = (await check(client, site, method="http")).json()["last_check"]["results"]
            assert result["verified"] is False
            assert result["reason"].startswith(
                f"{FILE}: {domain} resolves only to non-public addresses ("
            )
    assert "(10.1.2.3, 169.254.169.254, ::1, ::ffff:7f00:1)" in result["reason"]
    assert website.requests == []


async def test_a_domain_missing_from_dns_says_so(client: httpx.AsyncClient) -> None:
    site = await register_website(client, "absent.example")
    body = (await check(client, site)).json()
    assert body["last_check"]["results"] == [
        {
            "method": "http",
            "verified": False,
            "reason": f"{FILE}: absent.example does not exist in DNS",
        },
        {"method": "dns", "verified": False, "reason": "absent.example does not exist in DNS"},
    ]


async def test_a_dns_server_that_does_not_answer_times_out(
    verifying_settings: Callable[..., Settings],
) -> None:
    # A socket that never reads plays a DNS server that never answers.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    settings = verifying_settings(
        verification_dns_servers=[f"127.0.0.1:{silent.getsockname()[1]}"],
        verification_timeout_seconds=0.5,
    )
    try:
        async with running_app(settings) as app, client_for(app) as client:
            site = await register_website(client, DOMAIN)
            started = time.monotonic()
            body = (await check(client, site, method="dns")).json()
            elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 0.5 + 0.3
    [result] = body["last_check"]["results"]
    assert result["verified"] is False
    assert result["reason"] in {
        f"the DNS look-up of {DOMAIN} timed out",
        f"no DNS server answered for {DOMAIN}",
    }


async def test_a_later_failed_check_leaves_the_verification_standing(
    client: httpx.AsyncClient, website: Website
) -> None:
    site = await register_website(client, DOMAIN)
    token = (await state(client, site))["token"]
    website.publish(DOMAIN, FILE, Page(body=token.encode()))
    first = (await check(client, site, method="http")).json()
    website.publish(DOMAIN, FILE, Page(404))

    second = (await check(client, site, method="http")).json()

    assert second["verified"] is True
    assert second["verified_at"] == first["verified_at"]
    assert second["last_check"]["results"][0]["verified"] is False


async def test_discovery_can_require_verified_domains(
    verifying_settings: Callable[..., Settings], website: Website
) -> None:
    settings = verifying_settings(discovery_require_verified=True)
    async with running_app(settings) as app, client_for(app) as client:
        site = await register_website(client, DOMAIN)
        before = await client.get("/actions", params={"domain": DOMAIN})
        token = (await state(client, site))["token"]
        website.publish(DOMAIN, FILE, Page(body=token.encode()))
        await check(client, site, method="http")
        after = await client.get("/actions", params={"domain": DOMAIN})

    assert before.status_code == 404
    assert before.json()["error"]["code"] == "DOMAIN_NOT_FOUND"
    assert before.json()["error"]["details"] == {"domain": DOMAIN}
    assert after.status_code == 200
    assert after.json()["verified"] is True


async def test_checks_take_only_the_two_methods(client: httpx.AsyncClient) -> None:
    site = await register_website(client, DOMAIN)
    response = await check(client, site, method="ftp")
    assert response.status_code == 400
    [field] = response.json()["error"]["details"]["fields"]
    assert field["field"] == "method"


async def test_only_the_keys_own_website_is_shown_or_checked(client: httpx.AsyncClient) -> None:
    mine = await register_website(client, DOMAIN)
    theirs = await register_website(client, "other.example")
    path = f"/websites/{theirs['website_id']}/verification"
    for method in ("GET", "POST"):
        foreign = await client.request(method, path, headers=keyed(mine["api_key"]))
        assert foreign.status_code == 404
        assert foreign.json()["error"]["code"] == "WEBSITE_NOT_FOUND"
        keyless = await client.request(method, path)
        assert keyless.status_code == 401
        assert keyless.json()["error"]["code"] == "INVALID_API_KEY"


@pytest.mark.live
def test_a_served_website_is_verified_by_each_method(
    start_live_server: Callable[..., LiveServer], zone: Zone, website: Website
) -> None:
    server = start_live_server(
        verification_dns_servers=f"127.0.0.1:{zone.port}",
        verification_http_scheme="http",
        verification_http_port=str(website.port),
        verification_allow_private_addresses="true",
        discovery_require_verified="true",
    )
    zone.add(DOMAIN, "A", "127.0.0.1")
    zone.add("other.example", "A", "127.0.0.1")
    with httpx.Client(base_url=server.api) as http:
        sites = []
        for domain in (DOMAIN, "other.example"):
            answer = http.post(
                "/websites/register",
                json={"domain": domain, "owner_email": "a@b.example", "website_name": "Shop"},
            )
            sites.append(answer.json())
        for site, method in zip(sites, ("http", "dns"), strict=True):
            path = f"/websites/{site['website_id']}/verification"
            token = http.get(path, headers=keyed(site["api_key"])).json()["token"]
            if method == "http":
                website.publish(site["domain"], FILE, Page(body=token.encode()))
            else:
                zone.add(site["domain"], "TXT", f"orbito-verification={token}")
            assert http.get("/actions", params={"domain": site["domain"]}).status_code == 404
            checked = http.post(path, json={"method": method}, headers=keyed(site["api_key"]))
            assert checked.json()["verified_by"] == method, checked.text
            discovered = http.get("/actions", params={"domain": site["domain"]})
            assert (discovered.status_code, discovered.json()["verified"]) == (200, True)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::808:808",
        "::7f00:1",
        "2002:7f00:1::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "::ffff:0:7f00:1",
        "fec0::1",
    ],
)
def test_addresses_that_are_not_public(address: str) -> None:
    assert public(ip_address(address)) is False


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1"]
)
def test_addresses_that_are_public(address: str) -> None:
    assert public(ip_address(address)) is True
