"""Discovery and tool export for the extension: page filters, entity tags, compression."""

import gzip

import brotli
import httpx
import pytest

from orbito.actions.listing import preferred_encoding
from tests.factories import keyed, register_action, register_website

DOMAIN = "shop.example"
ANSWERS = [("/actions", {}), ("/actions/tools", {}), ("/actions/tools", {"format": "openai"})]


@pytest.fixture
async def site(client: httpx.AsyncClient) -> dict:
    site = await register_website(client, DOMAIN)
    for action_id, page_path in (("cart", "/product/1"), ("home", "/"), ("help", None)):
        metadata = {"page_path": page_path} if page_path else {}
        await register_action(client, site["api_key"], action_id, metadata=metadata)
    return site


async def test_a_page_path_lists_that_pages_actions_and_those_for_no_page(
    client: httpx.AsyncClient, site: dict
) -> None:
    def ids(body: dict) -> list[str]:
        return [action["action_id"] for action in body["actions"]]

    on_product = await client.get("/actions", params={"domain": DOMAIN, "page_path": "/product/1"})
    on_home = await client.get("/actions", params={"domain": DOMAIN, "page_path": "/"})
    elsewhere = await client.get("/actions", params={"domain": DOMAIN, "page_path": "/about"})
    everything = await client.get("/actions", params={"domain": DOMAIN})
    tools = await client.get("/actions/tools", params={"domain": DOMAIN, "page_path": "/"})

    assert ids(on_product.json()) == ["cart", "help"]
    assert on_product.json()["total_count"] == 2
    assert ids(on_home.json()) == ["help", "home"]
    assert ids(elsewhere.json()) == ["help"]
    assert ids(everything.json()) == ["cart", "help", "home"]
    assert sorted(tools.json()["actions"]) == ["help", "home"]


async def test_a_page_path_is_matched_as_registered_whatever_it_holds(
    client: httpx.AsyncClient, site: dict
) -> None:
    # Registration keeps any string as metadata.page_path, so the filter takes any string.
    for action_id, page_path in (("relative", "product/1"), ("empty", "")):
        await register_action(client, site["api_key"], action_id, metadata={"page_path": page_path})

    def ids(answer: httpx.Response) -> list[str]:
        return [action["action_id"] for action in answer.json()["actions"]]

    relative = await client.get("/actions", params={"domain": DOMAIN, "page_path": "product/1"})
    empty = await client.get("/actions", params={"domain": DOMAIN, "page_path": ""})
    too_long = await client.get(
        "/actions", params={"domain": DOMAIN, "page_path": "/" + "a" * 4096}
    )

    assert ids(relative) == ["help", "relative"]
    assert ids(empty) == ["empty", "help"]
    assert too_long.status_code == 400
    assert too_long.json()["error"]["details"]["fields"] == [
        {"field": "page_path", "message": "must be at most 4096 characters"}
    ]


@pytest.mark.parametrize(("path", "params"), ANSWERS)
async def test_a_current_tag_gets_304_with_no_body(
    client: httpx.AsyncClient, site: dict, path: str, params: dict
) -> None:
    query = {"domain": DOMAIN, **params}
    first = await client.get(path, params=query, headers={"Origin": "https://shop.example"})
    tag = first.headers["etag"]

    again = await client.get(
        path, params=query, headers={"If-None-Match": tag, "Origin": "https://shop.example"}
    )
    other = await client.get(path, params=query, headers={"If-None-Match": 'W/"stale"'})
    listed = await client.get(path, params=query, headers={"If-None-Match": f'"x", {tag}'})

    assert first.status_code == 200
    assert tag.startswith('W/"') and tag.endswith('"')
    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert again.headers["access-control-allow-origin"] == "*"
    assert "x-ratelimit-remaining" in again.headers
    assert other.status_code == 200
    assert listed.status_code == 304


async def test_the_tag_changes_with_anything_in_the_answer(
    client: httpx.AsyncClient, site: dict
) -> None:
    async def tag() -> str:
        return (await client.get("/actions", params={"domain": DOMAIN})).headers["etag"]

    key = keyed(site["api_key"])
    tags = [await tag()]
    await client.post("/actions/cart/usage", headers=key)
    tags.append(await tag())
    await client.post("/actions/cart/failures", json={"reason": "other"}, headers=key)
    tags.append(await tag())
    await register_action(client, site["api_key"], "cart", description="changed")
    tags.append(await tag())
    await client.patch("/actions/help/status", json={"is_active": False}, headers=key)
    tags.append(await tag())
    tags.append(await tag())

    assert len(set(tags[:-1])) == 5
    assert tags[-1] == tags[-2]


async def test_large_answers_are_compressed_when_accepted(client: httpx.AsyncClient) -> None:
    site = await register_website(client, DOMAIN)
    for number in range(30):
        await register_action(client, site["api_key"], f"action-{number:02d}")
    query = {"domain": DOMAIN}

    plain = await client.get("/actions", params=query, headers={"Accept-Encoding": "identity"})
    raw = plain.content
    as_brotli = await client.get("/actions", params=query, headers={"Accept-Encoding": "gzip, br"})
    as_gzip = await client.get("/actions", params=query, headers={"Accept-Encoding": "gzip"})

    assert len(raw) > 4096
    assert "content-encoding" not in plain.headers
    assert as_brotli.headers["content-encoding"] == "br"
    assert as_gzip.headers["content-encoding"] == "gzip"
    assert as_brotli.headers["vary"] == "Accept-Encoding"
    assert as_brotli.content == raw and as_gzip.content == raw  # as httpx decodes them
    # The bytes on the wire are what the headers say, and much smaller.
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        headers = {"Accept-Encoding": encoding}
        async with client.stream("GET", "/actions", params=query, headers=headers) as wire:
            sent = b"".join([chunk async for chunk in wire.aiter_raw()])
        assert decompress(sent) == raw
        assert len(sent) < len(raw) / 3
    assert as_brotli.headers["etag"] == plain.headers["etag"] == as_gzip.headers["etag"]


async def test_small_answers_are_sent_as_they_are(client: httpx.AsyncClient, site: dict) -> None:
    response = await client.get(
        "/actions", params={"domain": DOMAIN}, headers={"Accept-Encoding": "br"}
    )
    assert "content-encoding" not in response.headers


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("*", "br"),
        ("*;q=0", None),
        ("identity", None),
        ("deflate", None),
        ("GZIP;q=0.5", "gzip"),
        ("br;q=nonsense, gzip", "gzip"),
        # The weight is found wherever it stands among the parameters, spaces or not.
        ("br;level=1;q=0, gzip", "gzip"),
        ("br ; q = 0, gzip", "gzip"),
        # A weight HTTP does not allow refuses its encoding.
        ("br;q=inf, gzip;q=1e-10", None),
        ("br;q=1.001, gzip;q=0.001", "gzip"),
        ("br;q=1.000", "br"),
        ("br;q=0;q=1, gzip", "gzip"),
    ],
)
def test_the_encoding_follows_accept_encoding(header: str, chosen: str | None) -> None:
    assert preferred_encoding(header) == chosen


async def test_a_large_answer_compressed_on_a_thread_is_the_same_answer(make_settings) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import client_for, running_app

    async with running_app(make_settings(rate_limits_enabled=False)) as app:
        async with client_for(app) as client:
            site = await register_website(client, DOMAIN)
            parameters = {"note": {"type": "string", "default": "lorem ipsum " * 250}}
            for number in range(120):
                await register_action(
                    client, site["api_key"], f"action-{number:03d}", parameters=parameters
                )
            query = {"domain": DOMAIN}
            raw = (await client.get("/actions", params=query)).content
            answers = [
                await client.get("/actions", params=query, headers={"Accept-Encoding": encoding})
                for encoding in ("br", "gzip", "br")
            ]

    assert len(raw) > 256 * 1024
    assert [answer.headers["content-encoding"] for answer in answers] == ["br", "gzip", "br"]
    assert all(answer.content == raw for answer in answers)


async def test_list_headers_given_on_several_lines_are_read_whole(
    client: httpx.AsyncClient,
) -> None:
    site = await register_website(client, DOMAIN)
    for number in range(30):
        await register_action(client, site["api_key"], f"action-{number:02d}")
    query = {"domain": DOMAIN}
    tag = (await client.get("/actions", params=query)).headers["etag"]

    revalidated = await client.get(
        "/actions", params=query, headers=[("If-None-Match", '"other"'), ("If-None-Match", tag)]
    )
    compressed = await client.get(
        "/actions",
        params=query,
        headers=[("Accept-Encoding", "identity"), ("Accept-Encoding", "gzip")],
    )

    assert revalidated.status_code == 304
    assert compressed.headers["content-encoding"] == "gzip"
