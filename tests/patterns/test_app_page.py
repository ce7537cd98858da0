"""/app: the pattern form validates and shows odds as the user types (htmx partial)."""
import pytest
from django.test import Client

from patterns.engine import PatternSpec, exact_odds
from patterns.presenters import format_one_in

pytestmark = pytest.mark.django_db


def odds_partial(client: Client, **fields) -> str:
    data = {"format": "did:key", "anchor": "anywhere", "mode": "words", **fields}
    return client.post("/app/odds", data, headers={"HX-Request": "true"}).content.decode()


def test_the_page_renders_for_visitors_with_a_sign_up_call():
    page = Client().get("/app").content.decode()
    assert 'id="pattern-form"' in page and "Sign up to pull" in page


def test_a_logged_in_user_sees_the_pull_price_and_free_pulls(user):
    client = Client()
    client.force_login(user)
    page = client.get("/app").content.decode()
    assert "free (3 left today)" in page and "10× pull — 1000 tokens" in page


def test_odds_follow_the_pattern_with_the_engines_exact_figures():
    short = odds_partial(Client(), pattern="ab")
    longer = odds_partial(Client(), pattern="ab cd")
    assert 'data-level="1/1"' in short and 'data-level="2/2"' in longer
    for pattern, html in (("ab", short), ("ab cd", longer)):
        p_jackpot, _ = exact_odds(PatternSpec(pattern=pattern))
        assert format_one_in(p_jackpot) in html


def test_an_impossible_character_is_explained_inline_before_anything_is_spent():
    html = odds_partial(Client(), pattern="GO")
    assert "never appears in a did:key" in html and "turn on fuzzy" in html
    assert 'data-testid="odds"' not in html


def test_patterns_are_escaped_never_executed():
    html = odds_partial(Client(), pattern="<script>alert(1)</script>", mode="regex")
    assert "<script>alert(1)</script>" not in html


def test_without_javascript_the_form_still_shows_odds_and_keeps_the_csrf_token_out_of_urls(user):
    fields = {"pattern": "ab cd", "format": "solana", "anchor": "prefix", "mode": "words"}
    assert 'data-level="jackpot"' in Client().get("/app", fields).content.decode()
    client = Client()
    client.force_login(user)
    page = client.post("/app", fields).content.decode()
    assert 'data-level="jackpot"' in page
    assert '<form id="pattern-form" method="post"' in page


def test_a_spending_limit_disables_the_pull_buttons_it_would_refuse_and_says_why(client_of, pull_prices):
    from economy import services as economy
    from tests.factories import FundedUserFactory, use_up_free_pulls

    user = FundedUserFactory(tokens=5_000)
    economy.wallet_set_limits(user, per_day=150, per_month=None)
    page = client_of(user).get("/app").content.decode()
    assert 'data-testid="multi-pull-blocked"' in page and "daily spending limit of 150 tokens" in page
    assert 'data-testid="pull-blocked"' not in page  # a free pull is still there

    use_up_free_pulls(user)
    economy.wallet_set_limits(user, per_day=50, per_month=None)
    page = client_of(user).get("/app").content.decode()
    assert 'data-testid="pull-blocked"' in page and "daily spending limit of 50 tokens" in page
