"""/pricing: the four packs with their price per pull; Buy opens Checkout for signed-in
users, sends others to log in and back; without Stripe keys it says purchases are off."""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PACKS = (("starter", "$0.99", "99¢"), ("popular", "$3.99", "79.8¢"), ("power", "$14.99", "60¢"), ("whale", "$49.99", "50¢"))


def test_pricing_lists_the_packs_and_says_purchases_are_disabled_without_stripe(no_stripe):
    response = Client().get("/pricing")
    page = response.content.decode()
    assert response.status_code == 200
    for name, price, per_pull in PACKS:
        assert f'data-testid="pack-{name}"' in page and price in page and f"{per_pull} per pull" in page
    assert "Purchases are disabled" in page
    assert 'action="/pricing/checkout"' not in page


def test_pack_shows_tokens_and_pulls(no_stripe):
    page = Client().get("/pricing").content.decode()
    assert "<strong>10,000</strong> tokens · 100 pulls" in page
    assert "<strong>100</strong> tokens · 1 pull<" in page


def test_signed_out_buy_sends_to_log_in_and_back(stripe_standin):
    page = Client().get("/pricing").content.decode()
    assert 'href="/accounts/login/?next=%2Fpricing"' in page
    assert "Purchases are disabled" not in page


def test_signed_in_buy_is_a_form_to_checkout(stripe_standin, browser_client):
    response = browser_client.get("/pricing")
    page = response.content.decode()
    assert 'action="/pricing/checkout"' in page and 'name="pack" value="whale"' in page
    assert "csrfmiddlewaretoken" in page
    # the Buy form may leave for Stripe Checkout (here: the stand-in that serves it)
    assert stripe_standin.url in response.headers["Content-Security-Policy"]


def test_prices_follow_token_packs_setting(no_stripe, settings):
    settings.TOKEN_PACKS = {"tiny": {"tokens": 200, "price_cents": 150}}
    page = Client().get("/pricing").content.decode()
    assert 'data-testid="pack-tiny"' in page and "$1.50" in page and "75¢ per pull" in page
    assert "pack-starter" not in page
