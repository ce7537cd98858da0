"""A new user's first pull, in headless Chromium, against a live server and a real
Celery worker on Redis: sign up, type a pattern, watch the odds, pull, watch progress,
see the result, keep the key, download it, find the pull in history."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from playwright.sync_api import expect

from economy import services as economy
from tests.e2e.conftest import ARTIFACTS, download_and_check_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long passphrase 42"


def sign_up(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/signup/")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=confirm_age]")
    page.check("input[name=accept_terms]")
    page.click("form [type=submit]")
    page.wait_for_url(re.compile(r"/app$"))


def type_pattern_and_watch_odds(page) -> None:
    odds = page.locator("[data-testid=odds]")
    page.fill("#id_pattern", "GO")
    expect(page.locator("[data-testid=pattern-errors]")).to_contain_text("'O' never appears in a did:key")
    page.check("#id_fuzzy")
    expect(odds).to_be_visible()
    one_part = page.locator("[data-testid=odds-jackpot]").inner_text()
    page.fill("#id_pattern", "GO be")
    expect(page.locator("[data-level='2/2']")).to_be_visible()
    assert page.locator("[data-testid=odds-jackpot]").inner_text() != one_part


def pull_and_watch_progress(page, budget: int) -> list[int]:
    page.click("#pull-button")
    progress = page.locator("[data-testid=pull-progress]")
    expect(progress).to_be_visible()
    seen: list[int] = []
    result = page.locator("[data-testid=pull-result]")
    while not result.is_visible():
        text = page.locator("[data-testid=keys-tried]").first.text_content(timeout=60_000) if progress.count() else None
        if text:
            seen.append(int(text.replace(",", "")))
        page.wait_for_timeout(150)
    expect(result).to_be_visible()
    return seen


def ten_pulls_best_first(page, base_url: str, settings) -> None:
    """A 10× pull: one debit of ten times the cost, ten results, the best first."""
    settings.PULL_BUDGET_KEYS = 5_000
    economy.wallet_grant(get_user_model().objects.get(username="grace"), amount=1_000, reason="e2e", created_by=None)
    connections.close_all()  # inside Playwright's greenlet the ORM opened a connection of its own
    page.goto(f"{base_url}/app")
    page.fill("#id_pattern", "ab cd ef")
    expect(page.locator("[data-level='3/3']")).to_be_visible()
    page.click("#pull10-button")
    results = page.locator("[data-testid=pull-result]")
    expect(results).to_have_count(10, timeout=60_000)
    expect(page.locator("[data-testid=balance]")).to_have_text("0")
    page.goto(f"{base_url}/history")
    newest = page.locator("[data-testid=history-row]").first
    batch_page = newest.locator("a").first.get_attribute("href")
    page.goto(f"{base_url}{batch_page}")
    scores = [int(text.split()[-1].split("/")[0]) for text in page.locator("[data-testid=stars]").all_inner_texts()]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    page.screenshot(path=str(ARTIFACTS / "ten-pulls.png"), full_page=True)


def test_first_pull_from_sign_up_to_history(live_server, celery_worker_process, browser_page, settings, tmp_path):
    settings.PULL_BUDGET_KEYS = 200_000
    page = browser_page
    sign_up(page, live_server.url)
    expect(page.locator("[data-testid=free-pulls]")).to_have_text("3")

    type_pattern_and_watch_odds(page)
    seen = pull_and_watch_progress(page, settings.PULL_BUDGET_KEYS)
    assert any(0 < keys < settings.PULL_BUDGET_KEYS for keys in seen), f"no live progress seen: {seen}"
    assert seen == sorted(seen), "progress only moves forward"
    expect(page.locator("[data-testid=free-pulls]")).to_have_text("2")
    expect(page.locator("#pull-price")).to_have_text("free (2 left today)")

    address = page.locator("[data-testid=address]").inner_text()
    assert address.startswith("did:key:z6Mk")
    expect(page.locator("[data-testid=stars]")).to_contain_text("/2")
    page.locator("[data-testid=pull-result]").screenshot(path=str(ARTIFACTS / "pull-result.png"))

    page.click("[data-testid=keep]")
    expect(page.locator("[data-testid=kept]")).to_be_visible()
    download_and_check_key(page, address, tmp_path)
    page.screenshot(path=str(ARTIFACTS / "pull-page.png"), full_page=True)

    page.goto(f"{live_server.url}/history")
    row = page.locator("[data-testid=history-row]").first
    expect(row).to_contain_text("GO be")
    expect(row).to_contain_text("kept")
    assert address in row.inner_text().replace("\n", "")
    page.screenshot(path=str(ARTIFACTS / "history.png"), full_page=True)

    ten_pulls_best_first(page, live_server.url, settings)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/app")
    expect(page.locator("#pull-button")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "app-mobile.png"), full_page=True)
