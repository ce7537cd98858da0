"""The wallet figures every page's header shows."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from economy import services
from economy.context_processors import wallet
from tests.factories import pay_pulls

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pull_prices")]


def test_a_logged_in_user_sees_balance_and_free_pulls(user):
    services.wallet_grant(user, amount=70, reason="test", created_by=None)
    pay_pulls(user, reference="pull:1")
    request = RequestFactory().get("/")
    request.user = user

    assert wallet(request) == {"balance": 70, "free_pulls_left": 2}


def test_an_anonymous_visitor_gets_nothing():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert wallet(request) == {}
