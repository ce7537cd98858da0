"""Sign-up in the browser: age and terms are required; terms and privacy pages exist."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

FORM = {
    "username": "frank",
    "email": "frank@example.com",
    "password1": "a long passphrase 42",
    "password2": "a long passphrase 42",
}


def test_signup_page_asks_for_age_and_terms():
    page = Client().get("/accounts/signup/").content.decode()
    assert "I am 18 or older" in page
    assert "terms of service" in page


@pytest.mark.parametrize("missing", ["confirm_age", "accept_terms"])
def test_signup_without_age_or_terms_is_refused(missing):
    data = {**FORM, "confirm_age": "on", "accept_terms": "on"}
    del data[missing]
    response = Client().post("/accounts/signup/", data)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_signup_with_consent_logs_in_and_records_it():
    client = Client()
    response = client.post("/accounts/signup/", {**FORM, "confirm_age": "on", "accept_terms": "on"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username="frank")
    assert user.terms_version and user.age_confirmed_at and user.terms_accepted_at
    assert client.get("/auth/me").json()["username"] == "frank"


@pytest.mark.parametrize("path", ["/", "/terms", "/privacy", "/how-it-works", "/accounts/login/", "/accounts/password/reset/"])
def test_public_pages_render(path):
    assert Client().get(path).status_code == 200


def test_base_layout_shows_balance_and_serves_htmx_locally(browser_client):
    page = browser_client.get("/").content.decode()
    assert 'data-testid="balance"' in page
    assert "/static/django_htmx/htmx" in page
    assert "://unpkg" not in page and "cdn" not in page.lower()
