"""The purchase journey in headless Chromium against a live server and the Stripe
stand-in: pricing → log in → Buy → Checkout Session created → pay at the stand-in's
checkout page → webhook → balance; the success page reached before the webhook; a bank
debit that settles while the success page polls. Screenshots at phone and desktop size
go to test-artifacts/."""
import re
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from economy import selectors as economy
from payments.models import Purchase
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            connections.close_all()  # inside Playwright's greenlet the ORM opened a connection of its own
            browser.close()


@pytest.fixture
def shop(stripe_standin, live_server):
    stripe_standin.webhook_url = f"{live_server.url}/api/payments/webhook"
    stripe_standin.auto_deliver = True
    return stripe_standin


def new_page(browser, size: str = "desktop"):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    # (Chromium's favicon fetch is reported only as a console "Failed to load resource")
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    page.console_errors = errors
    return page


@pytest.fixture
def shopper(browser, live_server):
    """A new user and their page at a given size, logged in from the pricing page (Buy asks
    them to), e.g. ``user, page = shopper("phone")``."""

    def log_in_from_pricing(size: str = "desktop"):
        user = UserFactory()
        page = new_page(browser, size)
        page.goto(f"{live_server.url}/pricing")
        page.click("[data-testid=buy-popular]")
        page.wait_for_url(re.compile(r"/accounts/login/\?next=%2Fpricing$"))
        page.fill("input[name=login]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form [type=submit]")
        page.wait_for_url(re.compile(r"/pricing$"))
        return user, page

    return log_in_from_pricing


def buy(page, pack: str, *, at_checkout: str) -> None:
    """Press Buy for ``pack`` on the pricing page, then ``at_checkout`` (a button of the stand-in's checkout page)."""
    page.click(f"[data-testid=buy-{pack}]")
    page.click(f"[data-testid={at_checkout}]")


def shoot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"payments-{name}.png"), full_page=True)


def test_buy_pay_webhook_balance(shopper, shop, live_server):
    user, page = shopper()
    shoot(page, "pricing-desktop")
    page.click("[data-testid=buy-popular]")
    page.wait_for_url(re.compile(re.escape(shop.url) + r"/checkout/cs_"))
    purchase = Purchase.objects.get(user=user)
    assert purchase.status == "pending" and page.url == purchase.checkout_url
    page.click("[data-testid=standin-pay]")  # the stand-in sends the webhook, then redirects
    page.wait_for_url(re.compile(r"/pricing/success\?session_id=cs_"))
    expect(page.locator("[data-testid=purchase-credited]")).to_contain_text("500")
    expect(page.locator("[data-testid=balance]")).to_have_text("500")
    shoot(page, "success-desktop")
    assert [status for _, status in shop.deliveries] == [200, 200, 200]
    assert economy.balance(user) == 500 and economy.transactions(user).count() == 1
    page.goto(f"{live_server.url}/account")
    expect(page.locator(f"[data-testid=purchase-{purchase.pk}]")).to_contain_text("Paid")
    expect(page.locator(f"[data-testid=purchase-{purchase.pk}] a")).to_have_text("receipt")
    shoot(page, "account-desktop")
    assert page.console_errors == [], page.console_errors


def test_success_page_first_then_the_webhook(shopper, shop, live_server):
    shop.deliver_after_redirect = True
    user, page = shopper("phone")
    shoot(page, "pricing-phone")
    buy(page, "popular", at_checkout="standin-pay")
    page.wait_for_url(re.compile(r"/pricing/success\?session_id=cs_"))
    # no webhook yet: the success page asked Stripe itself
    assert shop.deliveries == [] and len(shop.outbox) == 3
    expect(page.locator("[data-testid=purchase-credited]")).to_be_visible()
    expect(page.locator("[data-testid=balance]")).to_have_text("500")
    shoot(page, "success-phone")
    assert shop.flush() == [200, 200, 200]
    page.reload()
    expect(page.locator("[data-testid=balance]")).to_have_text("500")
    assert economy.balance(user) == 500 and economy.transactions(user).count() == 1
    page.goto(f"{live_server.url}/account")
    shoot(page, "account-phone")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_bank_debit_confirms_while_the_success_page_polls(shopper, shop, size):
    shop.deliver_after_redirect = True
    user, page = shopper(size)
    buy(page, "popular", at_checkout="standin-pay-async")
    page.wait_for_url(re.compile(r"/pricing/success\?session_id=cs_"))
    status = page.locator("[data-testid=purchase-status]")
    expect(status).to_contain_text("Confirming your payment")
    shoot(page, f"confirming-{size}")
    assert shop.flush() == [200]  # checkout.session.completed, not yet paid: nothing credited
    assert economy.balance(user) == 0
    session_id = Purchase.objects.get(user=user).checkout_session_id
    shop.deliver(shop.settle(session_id))
    # htmx polling swaps the panel in place (no reload) and updates the header balance
    expect(page.locator("[data-testid=purchase-credited]")).to_be_visible(timeout=15_000)
    expect(page.locator("[data-testid=balance]")).to_have_text("500")
    assert economy.balance(user) == 500 and economy.transactions(user).count() == 1


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_cancel_and_disabled_pages(shopper, shop, live_server, size, settings):
    user, page = shopper(size)
    buy(page, "starter", at_checkout="standin-cancel")
    page.wait_for_url(re.compile(r"/pricing/cancel$"))
    expect(page.locator("[data-testid=purchase-cancelled]")).to_contain_text("Nothing was charged")
    shoot(page, f"cancel-{size}")
    settings.STRIPE_SECRET_KEY = ""
    page.goto(f"{live_server.url}/pricing")
    expect(page.locator("[data-testid=purchases-disabled]")).to_be_visible()
    shoot(page, f"pricing-disabled-{size}")
    assert economy.balance(user) == 0
