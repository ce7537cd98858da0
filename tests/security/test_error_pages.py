"""A server error says nothing about itself: no traceback, no exception text, on a page or
on the API, with DEBUG off; the log gets the details (redacted)."""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SECRET_DETAIL = "the database password is hunter2"


@pytest.fixture
def broken(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr("economy.selectors.wallet_summary", explode)
    monkeypatch.setattr("vanikeys_site.views.HowItWorksView.get_context_data", explode)


def test_a_page_that_fails_shows_the_plain_500_page(broken, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/how-it-works")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert SECRET_DETAIL not in body and "Traceback" not in body and "RuntimeError" not in body


def test_an_api_call_that_fails_is_a_500_in_the_error_shape(broken, api_client, settings, caplog):
    settings.DEBUG = False
    api_client.raise_request_exception = False
    response = api_client.get("/api/tokens/balance")
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "message": "Something went wrong on our side; it was logged."}
    assert any(record.exc_info or record.exc_text for record in caplog.records)
