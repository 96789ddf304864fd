"""The owner's dashboard in headless Chromium, against a live server it is served by.

A screenshot of each width is saved under test-artifacts/ (or ORBITO_TEST_ARTIFACTS).
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.factories import action_body
from tests.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live]

ARTIFACTS = Path(
    os.environ.get("ORBITO_TEST_ARTIFACTS")
    or Path(__file__).resolve().parent.parent / "test-artifacts"
)
DOMAIN = "shop.example"
SEEDED = {
    "add-to-cart": ("addToCart", "Adds the product to the cart", "/product/123", 3),
    "checkout": ("checkout", "Opens the checkout", "/cart", 1),
    "newsletter": ("subscribe", "Signs up for the newsletter", None, 0),
}


def seed(server: LiveServer) -> dict:
    with httpx.Client(base_url=server.api) as http:
        site = http.post(
            "/websites/register",
            json={"domain": DOMAIN, "owner_email": "owner@shop.example", "website_name": "Shop"},
        ).json()
        key = {"X-API-Key": site["api_key"]}
        for action_id, (intent, description, page_path, uses) in SEEDED.items():
            metadata = {"component_type": "button"} | (
                {"page_path": page_path} if page_path else {}
            )
            body = action_body(action_id, intent=intent, description=description, metadata=metadata)
            assert http.post("/actions/register", json=body, headers=key).status_code == 200
            for _ in range(uses):
                assert http.post(f"/actions/{action_id}/usage", headers=key).status_code == 200
    return site


def seed_other(server: LiveServer) -> dict:
    registration = {"domain": "other.example", "owner_email": "o@o.example", "website_name": "O"}
    return httpx.post(f"{server.api}/websites/register", json=registration).json()


@pytest.fixture
def server(start_live_server: Callable[..., LiveServer]) -> LiveServer:
    return start_live_server()


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_dashboard(browser: Any, server: LiveServer, site: dict, **context: Any) -> Any:
    """Sign in from the keyboard alone: type the id, tab to the key, press Enter."""
    page = browser.new_context(**context).new_page()
    page.goto(f"{server.base_url}/dashboard")
    page.focus("#website-id")
    page.keyboard.type(site["website_id"])
    page.keyboard.press("Tab")
    page.keyboard.type(site["api_key"])
    page.keyboard.press("Enter")
    return page


def rows(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#actions tbody tr",
        """rows => rows.filter(row => !row.hidden).map(row => Object.fromEntries(
            [...row.cells].map(cell => [cell.dataset.label, cell.innerText.trim()])
              .concat([["id", row.dataset.actionId]])))""",
    )


def bars(page: Any) -> tuple[list[str], list[int]]:
    found = page.eval_on_selector_all(
        "#chart rect.bar", "bars => bars.map(bar => [bar.dataset.date, Number(bar.dataset.count)])"
    )
    return [date for date, _ in found], [count for _, count in found]


def discovered(server: LiveServer, active: bool) -> list[str]:
    answer = httpx.get(
        f"{server.api}/actions", params={"domain": DOMAIN, "is_active": str(active).lower()}
    )
    return [action["action_id"] for action in answer.json()["actions"]]


def test_an_owner_sees_switches_deletes_and_charts_their_actions(
    browser: Any, server: LiveServer
) -> None:
    site = seed(server)
    page = open_dashboard(browser, server, site, viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.wait_for_selector("#actions tbody tr")

    assert page.is_hidden("#sign-in")
    shown = rows(page)
    assert [row["id"] for row in shown] == ["add-to-cart", "checkout", "newsletter"]
    assert [row["Uses"] for row in shown] == ["3", "1", "0"]
    assert [row["Page"] for row in shown] == ["/product/123", "/cart", "—"]
    assert shown[0]["Intent"] == "addToCart"
    assert shown[0]["Selector"] == "[data-orbito-id='add-to-cart']"
    assert shown[0]["Parameters"].splitlines() == [
        "quantity: number",
        "productId: string, required",
    ]
    assert shown[0]["Position"] == "450, 320"
    assert shown[2]["Last used"] == "never"
    assert "Domain\nshop.example" in page.inner_text("#website")

    # The chart shows what the series route gives, whole site and per action.
    key = {"X-API-Key": site["api_key"]}
    series = httpx.get(f"{server.api}/websites/{site['website_id']}/usage", headers=key).json()
    assert bars(page) == (series["dates"], series["total"])
    assert sum(series["total"]) == 4
    page.select_option("#chart-action", "add-to-cart")
    assert bars(page) == (series["dates"], series["actions"][0]["counts"])
    assert page.inner_text("#chart-summary").startswith("3 uses of action add-to-cart from ")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # Sorting and filtering.
    page.select_option("#sort", "usage_count")
    assert [row["id"] for row in rows(page)] == ["add-to-cart", "checkout", "newsletter"]
    page.fill("#filter", "newsletter")
    assert [row["id"] for row in rows(page)] == ["newsletter"]
    assert page.inner_text("#actions-count") == "1 of 3 actions match “newsletter”."
    page.fill("#filter", "/cart")
    assert [row["id"] for row in rows(page)] == ["checkout"]
    page.fill("#filter", "")

    # A switch, worked from the keyboard: discovery stops listing the action.
    page.focus("tr[data-action-id=checkout] input[role=switch]")
    page.keyboard.press("Space")
    expect(page.locator("#message")).to_have_text("checkout is now off.")
    assert discovered(server, active=True) == ["add-to-cart", "newsletter"]
    assert discovered(server, active=False) == ["checkout"]
    assert page.is_checked("tr[data-action-id=checkout] input[role=switch]") is False
    # The refreshed table gives the switch its focus back, so a second Space undoes it.
    focused = page.evaluate("() => document.activeElement.closest('tr').dataset.actionId")
    assert focused == "checkout"

    # Delete asks first; cancelling keeps the action.
    page.click("tr[data-action-id=newsletter] button.danger")
    page.click("#confirm-delete button[value=cancel]")
    assert "newsletter" in discovered(server, active=True)
    page.click("tr[data-action-id=newsletter] button.danger")
    assert "newsletter" in page.inner_text("#confirm-text")
    page.click("#confirm-delete button[value=delete]")
    expect(page.locator("#message")).to_have_text("newsletter was deleted.")
    assert discovered(server, active=True) == ["add-to-cart"]
    assert [row["id"] for row in rows(page)] == ["add-to-cart", "checkout"]

    # The key stays in this tab and goes only to this backend.
    stored = page.evaluate(
        "() => [JSON.parse(sessionStorage.getItem('orbito.dashboard')),"
        " localStorage.length, document.cookie]"
    )
    assert stored == [{"websiteId": site["website_id"], "key": site["api_key"]}, 0, ""]
    page.click("#sign-out")
    assert page.evaluate("() => sessionStorage.length") == 0
    assert page.is_visible("#sign-in") and page.is_hidden("#signed-in")
    assert requested and all(url.startswith(server.base_url) for url in requested)


def test_it_reads_on_a_phone_width_screen(browser: Any, server: LiveServer) -> None:
    site = seed(server)
    page = open_dashboard(browser, server, site, viewport={"width": 390, "height": 844})
    page.wait_for_selector("#actions tbody tr")

    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert (
        page.eval_on_selector("#actions thead", "head => head.getBoundingClientRect().height") <= 1
    )
    label = page.eval_on_selector(
        "tr[data-action-id=checkout] td[data-label=Uses]",
        "cell => getComputedStyle(cell, '::before').content",
    )
    assert label == '"Uses"'
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)


def test_errors_read_as_plain_sentences(
    browser: Any, start_live_server: Callable[..., LiveServer]
) -> None:
    server = start_live_server(rate_limit_keyed="2/minute")
    site = seed(server)

    wrong = open_dashboard(browser, server, {**site, "api_key": "orbito_key_not-a-real-key"})
    expect(wrong.locator("#message")).to_contain_text("That key")
    assert wrong.is_visible("#sign-in")

    other = seed_other(server)
    not_theirs = open_dashboard(browser, server, {**site, "api_key": other["api_key"]})
    expect(not_theirs.locator("#message")).to_have_text(
        "No website with that id belongs to this key. Check the website id."
    )

    limited = open_dashboard(browser, server, site)
    expect(limited.locator("#message")).to_contain_text("Too many")
    assert limited.inner_text("#message").startswith("Too many requests for now. Try again in ")
    assert limited.inner_text("#message").endswith(" seconds.")

    offline = browser.new_context().new_page()
    offline.goto(f"{server.base_url}/dashboard")
    offline.route("**/api/v1/**", lambda route: route.abort())
    offline.fill("#website-id", site["website_id"])
    offline.fill("#key", site["api_key"])
    offline.click("#sign-in button[type=submit]")
    expect(offline.locator("#message")).to_contain_text("could not be reached")
    assert offline.inner_text("#message") == (
        "The Orbito backend could not be reached. Check the connection and try again."
    )


def test_failures_and_the_switch_off_they_caused_are_shown(
    browser: Any, server: LiveServer
) -> None:
    site = seed(server)
    page = open_dashboard(browser, server, site, viewport={"width": 1280, "height": 900})
    page.wait_for_selector("#actions tbody tr")

    page.fill("#auto-disable", "2")
    page.click("#settings button[type=submit]")
    expect(page.locator("#message")).to_have_text(
        "Actions now switch off after 2 failures in a row."
    )
    key = {"X-API-Key": site["api_key"]}
    for message in ("no element matched", "still nothing"):
        report = {"reason": "selector_not_found", "message": message}
        httpx.post(f"{server.api}/actions/checkout/failures", json=report, headers=key)
    page.select_option("#chart-days", "7")  # any refresh
    expect(page.locator("tr[data-action-id=checkout] td[data-label=Failures]")).to_contain_text(
        "Switched off on "
    )

    failures = page.inner_text("tr[data-action-id=checkout] td[data-label=Failures]")
    assert failures.splitlines()[0] == "2 (selector not found: 2)"
    assert failures.splitlines()[1].endswith("“still nothing”")
    assert failures.splitlines()[2].endswith(" by failures in a row.")
    assert page.is_checked("tr[data-action-id=checkout] input[role=switch]") is False
    assert "checkout" not in discovered(server, active=True)
    details = httpx.get(f"{server.api}/websites/{site['website_id']}", headers=key).json()
    assert details["auto_disable_after_failures"] == 2
