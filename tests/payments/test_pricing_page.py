import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pricing_lists_the_packs_and_says_purchases_are_disabled_without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    page = Client().get("/pricing").content.decode()
    for name, price in (("starter", "$0.99"), ("popular", "$3.99"), ("power", "$14.99"), ("whale", "$49.99")):
        assert f'data-testid="pack-{name}"' in page and price in page
    assert "Purchases are disabled" in page
