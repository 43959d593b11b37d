"""The console in a real browser: Debian's headless Chromium driven by Playwright (never a
downloaded browser), through a whole payment. The transcript shows every reply, the inspector the
intent and the masked slots, and the page's DOM never holds the card number or the security code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.dev.serve import LexServer

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CARD = "4242 4242 4242 4242"
CVV = "737"
TURNS = [  # (what the user types or keys, the mode, what the reply says)
    ("I'd like to make a payment", "text", "first name"),
    ("John", "text", "last name"),
    ("Smith", "text", "card number"),
    (CARD, "text", "expiry date"),
    ("12/39", "text", "security code"),
    (CVV + "#", "dtmf", "Visa ending 4242, expires 12/2039, for John Smith"),  # a call: SSML
    ("yes", "text", "your Visa ending 4242 is saved"),
]

pytestmark = pytest.mark.slow


@pytest.fixture
def page(server: LexServer, tmp_path: Path) -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (scripts/setup.sh installs it with apt-get as root)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            found = context.new_page()
            outside: list[str] = []
            found.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
            found.goto(server.url + "/")
            sync_api.expect(found.locator("body")).to_have_attribute("data-ready", "true")
            yield found
            assert outside == [], "the console must not reach anything but its own server"
        finally:
            context.close()


def assert_no_card_data(page: Any) -> None:
    html = page.content()
    text = page.locator("body").inner_text()
    for shown in (html, text):
        assert "4242424242424242" not in re.sub(r"[\s-]", "", shown)
        assert not re.search(rf"(?<![0-9A-Za-z]){CVV}(?![0-9A-Za-z])", shown)
    assert page.locator("[data-testid=input]").input_value() == ""


def test_a_full_payment_in_the_browser(page: Any) -> None:
    from playwright.sync_api import expect

    bot = page.locator("[data-testid=bot-message]")
    for number, (said, mode, reply) in enumerate(TURNS, start=1):
        page.locator(f"[data-testid=mode-{mode}]").check()
        if mode == "dtmf":
            for key in said:
                page.locator(f"[data-testid='key-{key}']").click()
        else:
            page.locator("[data-testid=input]").fill(said)
        page.locator("[data-testid=send]").click()
        expect(page.locator("[data-testid=user-message]")).to_have_count(number)
        expect(bot.last).to_contain_text(reply)
        expect(page.locator("#inspected")).to_have_text(f"turn {number}")
        if said == CARD:
            expect(page.locator("[data-testid=intent]")).to_have_text("CollectCard")
            expect(page.locator("[data-testid=dialog-action]")).to_have_text("ElicitSlot · ExpirationDate")
            expect(page.locator("[data-testid=slots]")).to_contain_text(re.compile(r"\(sealed\)|•••• 4242"))
            expect(page.locator("[data-testid=user-message]").last).to_have_text("•••• 4242")
        if number == 1:
            expect(page.locator("[data-testid=nlu]")).to_have_text("CollectName (1.00)")
        page.locator("[data-testid=mode-text]").check()
        assert_no_card_data(page)
    expect(page.locator("[data-testid=user-message]").nth(5)).to_contain_text("•••")
    expect(page.locator("[data-testid=intent-state]")).to_have_text("Fulfilled")
    expect(page.locator("[data-testid=bot-state]")).to_contain_text("completed")
    expect(page.locator("[data-testid=session-list] li")).to_have_count(1)
    transcript = page.locator("[data-testid=transcript]").inner_text()
    for _, _, reply in TURNS:
        assert reply in transcript
    assert_no_card_data(page)


def test_reset_starts_a_new_session(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("[data-testid=input]").fill("I'd like to make a payment")
    page.locator("[data-testid=send]").click()
    expect(page.locator("[data-testid=bot-message]")).to_have_count(1)
    first = page.locator("[data-testid=session-label]").inner_text()
    page.locator("[data-testid=reset-session]").click()
    expect(page.locator("[data-testid=bot-message]")).to_have_count(0)
    expect(page.locator("[data-testid=session-label]")).not_to_have_text(first)
    expect(page.locator("[data-testid=session-list] li")).to_have_count(1)  # the old one is gone
    href = page.locator("[data-testid=export]").get_attribute("href")
    assert href is not None
    assert href.endswith("/export")


def test_a_turn_the_bot_refuses_shows_its_error(page: Any) -> None:
    from playwright.sync_api import expect

    # The input caps at 1024 characters, as Lex does: lift the cap to send one more.
    page.locator("[data-testid=input]").evaluate("(node) => node.removeAttribute('maxlength')")
    page.locator("[data-testid=input]").fill("x" * 1025)
    page.locator("[data-testid=send]").click()
    expect(page.locator("[data-testid=bot-error]")).to_contain_text("1024")
    expect(page.locator("#inspector-body")).to_contain_text("The turn failed")
    page.locator("[data-testid=locale]").select_option("es_US")
    expect(page.locator("[data-testid=session-label]")).to_contain_text("es_US")
    page.locator("[data-testid=input]").fill("quiero hacer un pago")
    page.locator("[data-testid=send]").click()
    expect(page.locator("[data-testid=bot-message]").last).to_contain_text("nombre")
