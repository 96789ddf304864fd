"""The examples in a real browser: the demo page on one origin, the API on another.

The page is served from http://localhost:<port>, the API from http://127.0.0.1:<port>, so
every call the scripts make is cross-origin, with the browser's own preflights and its rules
on which response headers a script may read.
"""

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import HOST, LiveServer, free_port

pytestmark = [pytest.mark.browser, pytest.mark.live]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
USAGE_LIMIT = 4


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_origin() -> Iterator[str]:
    """The examples directory, served on localhost: another origin than the API's address."""
    handler = functools.partial(_QuietHandler, directory=str(EXAMPLES))
    server = http.server.ThreadingHTTPServer((HOST, free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api(start_live_server: Callable[..., LiveServer]) -> LiveServer:
    return start_live_server(rate_limit_usage=f"{USAGE_LIMIT}/minute")


@pytest.fixture
def page(chromium_path: str, page_origin: str, api: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    key = httpx.post(
        f"{api.api}/websites/register",
        json={"domain": "localhost", "owner_email": "owner@example.com", "website_name": "Shop"},
    ).json()["api_key"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{page_origin}/shop/index.html?api={api.api}&key={key}")
            page.wait_for_selector("body[data-ready=true]")
            yield page
        finally:
            browser.close()


def call(page: Any, script: str) -> Any:
    """Run `script` in the page, with `sdk`, `extension`, `api` and `key` in scope."""
    scope = "const { sdk, extension, api, key } = window.orbito;"
    return page.evaluate(f"async () => {{ {scope} {script} }}")


def test_the_sdk_and_the_extension_work_from_another_origin(page: Any) -> None:
    page.click("#register")
    page.wait_for_function("document.querySelector('#log').textContent.split('\\n').length > 3")
    registered = page.text_content("#log").strip().splitlines()

    found = call(page, "return await extension.discoverActions({ api });")
    page.click("#run")
    page.wait_for_function("document.querySelector('#log').textContent.includes('ran ')")
    ran = page.text_content("#log").strip().splitlines()[-1]
    switched = call(
        page,
        "return await sdk.setActionActive({ api, key, actionId: 'checkout', isActive: false });",
    )
    after_switch = call(page, "return await extension.discoverActions({ api });")
    inactive = call(page, "return await extension.discoverActions({ api, isActive: false });")
    deleted = call(
        page, "return await sdk.deleteAction({ api, key, actionId: 'choose-quantity' });"
    )
    after_delete = call(page, "return await extension.discoverActions({ api });")

    assert registered == ["register: 200 ok"] * 3
    assert found["status"] == 200
    assert [action["action_id"] for action in found["data"]["actions"]] == [
        "add-to-cart",
        "checkout",
        "choose-quantity",
    ]
    assert found["rateLimit"]["limit"] == 60 and found["rateLimit"]["remaining"] == 59
    assert found["requestId"]
    assert ran == "ran add-to-cart; usage: 200 ok"
    assert page.text_content("#cart") == "1"
    assert switched["ok"] and switched["data"]["is_active"] is False
    assert [action["action_id"] for action in after_switch["data"]["actions"]] == [
        "add-to-cart",
        "choose-quantity",
    ]
    assert [action["action_id"] for action in inactive["data"]["actions"]] == ["checkout"]
    assert deleted["ok"] and deleted["data"]["action_id"] == "choose-quantity"
    assert [action["action_id"] for action in after_delete["data"]["actions"]] == ["add-to-cart"]
    usage = after_delete["data"]["actions"][0]
    assert usage["usage_count"] == 1 and usage["last_used"].endswith("Z")


def test_errors_and_limits_are_readable_by_the_page(page: Any) -> None:
    call(page, "await sdk.registerPageActions({ api, key });")

    wrong_key = call(
        page,
        "return await extension.reportUsage("
        "{ api, actionId: 'add-to-cart', key: 'orbito_key_no' });",
    )
    unknown_domain = call(
        page, "return await extension.discoverActions({ api, hostname: 'unknown.example' });"
    )
    unknown_action = call(page, "return await extension.reportUsage({ api, actionId: 'nope' });")
    reports = call(
        page,
        f"""const answers = [];
        for (let n = 0; n < {USAGE_LIMIT}; n++) {{
          answers.push(await extension.reportUsage({{ api, actionId: 'add-to-cart' }}));
        }}
        return answers;""",
    )

    assert (wrong_key["status"], wrong_key["error"]["code"]) == (401, "INVALID_API_KEY")
    assert wrong_key["requestId"]
    assert (unknown_domain["status"], unknown_domain["error"]["code"]) == (404, "DOMAIN_NOT_FOUND")
    assert unknown_domain["error"]["details"] == {"domain": "unknown.example"}
    assert (unknown_action["status"], unknown_action["error"]["code"]) == (404, "ACTION_NOT_FOUND")
    # The unknown action counted against the limit of 4: three reports pass, the fourth is 429.
    assert [answer["status"] for answer in reports] == [200, 200, 200, 429]
    assert [answer["rateLimit"]["remaining"] for answer in reports] == [2, 1, 0, 0]
    refused = reports[-1]
    assert refused["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= refused["retryAfter"] <= 60
    assert refused["error"]["details"]["retry_after"] == refused["retryAfter"]


def test_the_extension_asks_for_tools_by_tag_and_reports_a_failure(
    page: Any, api: LiveServer
) -> None:
    call(page, "await sdk.registerPageActions({ api, key });")

    first = call(page, "return await extension.exportTools({ api });")
    again = call(page, "return await extension.exportTools({ api });")
    openai = call(page, "return await extension.exportTools({ api, format: 'openai' });")
    elsewhere = call(page, "return await extension.exportTools({ api, pagePath: '/other' });")
    page.evaluate("() => document.querySelector('#add-to-cart').remove()")
    outcome = call(page, "return await extension.runIntent({ api, intent: 'addToCart' });")
    changed = call(page, "return await extension.exportTools({ api });")
    found = call(page, "return await extension.discoverActions({ api });")

    assert (first["status"], first["fromCache"]) == (200, False)
    assert first["etag"].startswith('W/"')
    names = [tool["name"] for tool in first["data"]["tools"]]
    assert names == ["add-to-cart", "checkout", "choose-quantity"]
    assert first["data"]["actions"]["add-to-cart"]["selector"] == '[data-orbito-id="add-to-cart"]'
    schema = first["data"]["tools"][2]["inputSchema"]
    assert schema["required"] == ["quantity"]
    assert schema["properties"]["quantity"] == {"type": "integer", "description": "How many"}
    # The second ask sent the tag across origins and was told the answer still stands.
    assert (again["status"], again["fromCache"]) == (304, True)
    assert again["data"] == first["data"]
    assert openai["data"]["tools"][0]["function"]["name"] == "add-to-cart"
    assert elsewhere["data"]["tools"] == []
    assert outcome["ran"] is False
    assert outcome["failure"]["ok"] is True
    assert outcome["failure"]["data"]["failure_count"] == 1
    # A failure changes discovery's answer, not the tools': the tag still stands for them.
    assert changed["status"] == 304
    [action] = [a for a in found["data"]["actions"] if a["action_id"] == "add-to-cart"]
    assert action["failure_count"] == 1
