"""XSS payloads in every string a user controls are inert on every page that shows it,
checked in headless Chromium: any JavaScript dialog fails the test, and the raw payload
never appears unescaped in the page's markup (so the test proves the escaping, not only
the Content-Security-Policy that would also block an inline script)."""
import pytest
from django.db import connections
from django.test import Client

from economy import services as economy
from tests.e2e.conftest import require_real_services
from tests.e2e.test_web_experience import chromium, new_page
from tests.factories import FundedUserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</textarea><script>alert(4)</script>",
    "javascript:alert(5)",
    '" autofocus onfocus="alert(6)',
]
# An e-mail address with markup in a quoted local part: must be refused at sign-up.
EMAIL = '"<img src=x onerror=alert(7)>"@example.com'


def visit(page, url: str, dialogs: list, problems: list, payloads=PAYLOADS) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    html = page.content()
    for payload in payloads:
        if payload.startswith("<") or payload.startswith('"<') or "><" in payload:
            if payload in html:
                problems.append(f"{url}: the payload {payload!r} is in the markup unescaped")


def test_payloads_are_inert_everywhere_they_are_shown(live_server):
    require_real_services()
    user = FundedUserFactory()
    for payload in PAYLOADS:  # staff reasons are shown to the user on their account page
        economy.wallet_grant(user, amount=1, reason=f"bonus {payload}", created_by=None)
    registered = Client().post("/auth/register", data={
        "username": "mailxss", "email": EMAIL, "password": "a long passphrase 42", "confirm_age": True,
        "accept_terms": True}, content_type="application/json")
    assert registered.status_code == 400  # refused: no markup can be stored as an address
    connections.close_all()

    dialogs: list[str] = []
    problems: list[str] = []
    from urllib.parse import quote
    with chromium() as browser:
        page = new_page(browser, live_server.url, user)
        page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
        visit(page, "/account", dialogs, problems)
        for payload in PAYLOADS:
            q = quote(payload)
            visit(page, f"/app?pattern={q}", dialogs, problems, [payload])
            visit(page, f"/history?min_score={q}&jackpot={q}", dialogs, problems, [payload])
            # Through the form, as a user types it: the refusal shows the pattern back.
            page.goto("/app")
            page.fill("input[name=pattern]", payload)
            page.click("#pull-button")
            page.wait_for_load_state("networkidle")
            if payload in page.content() and payload.startswith(("<", '"<')):
                problems.append(f"/app/pull: {payload!r} unescaped")

        anonymous = new_page(browser, live_server.url)
        anonymous.on("dialog", lambda dialog: (dialogs.append(f"{anonymous.url}: {dialog.message}"), dialog.dismiss()))
        for payload in PAYLOADS:
            anonymous.goto("/accounts/signup/")
            anonymous.fill("input[name=username]", payload)
            anonymous.fill("input[name=email]", payload)
            anonymous.press("input[name=email]", "Enter")
            anonymous.wait_for_load_state("networkidle")
            anonymous.goto("/accounts/login/")
            anonymous.fill("input[name=login]", payload)
            anonymous.fill("input[name=password]", "x")
            anonymous.press("input[name=password]", "Enter")
            anonymous.wait_for_load_state("networkidle")
            if payload in anonymous.content() and payload.startswith(("<", '"<')):
                problems.append(f"sign-up or log-in form: {payload!r} unescaped")
    assert not dialogs, dialogs
    assert not problems, problems
