"""Sign-up (page and API) and password reset say nothing about which e-mail addresses have
accounts: allauth's enumeration prevention ("strict"), the API answering like the page."""
import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

from .conftest import post_json

pytestmark = pytest.mark.django_db

BODY = {"password": "a long passphrase 42", "confirm_age": True, "accept_terms": True}


def signup_page(client: Client, username: str, email: str):
    return client.post("/accounts/signup/", {
        "username": username, "email": email, "password1": BODY["password"], "password2": BODY["password"],
        "confirm_age": "on", "accept_terms": "on",
    })


def test_api_registration_answers_the_same_for_a_taken_and_a_free_email():
    UserFactory(username="owner", email="taken@example.com")
    taken = post_json(Client(), "/auth/register", {**BODY, "username": "newcomer1", "email": "taken@example.com"})
    free = post_json(Client(), "/auth/register", {**BODY, "username": "newcomer2", "email": "free@example.com"})
    assert taken.status_code == free.status_code == 201
    assert set(taken.json()) == set(free.json()) == {"id", "username"}
    assert b"already" not in taken.content


def test_an_address_used_again_stays_unverified_and_the_owner_keeps_theirs():
    owner = UserFactory(username="owner", email="taken@example.com")
    EmailAddress.objects.create(user=owner, email="taken@example.com", primary=True, verified=True)
    post_json(Client(), "/auth/register", {**BODY, "username": "squatter", "email": "Taken@Example.com"})
    squatter = get_user_model().objects.get(username="squatter")
    assert EmailAddress.objects.get(user=squatter).verified is False
    assert EmailAddress.objects.get(user=owner).verified is True


def test_sign_up_page_does_not_say_an_email_is_taken():
    UserFactory(username="owner", email="taken@example.com")
    response = signup_page(Client(), "newcomer", "taken@example.com")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "already" not in response.content.decode()


def test_a_taken_username_is_still_refused_everywhere():
    """Usernames are public (they show on share pages' owners' accounts and the API): a
    taken one must be refused, as every site with usernames does."""
    UserFactory(username="owner")
    assert post_json(Client(), "/auth/register", {**BODY, "username": "owner", "email": "x@example.com"}).status_code == 409


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="known", email="known@example.com")
    known = Client().post("/accounts/password/reset/", {"email": "known@example.com"})
    unknown = Client().post("/accounts/password/reset/", {"email": "unknown@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Each address gets a mail (a reset link, or "you have no account here"): the sender
    # can tell nothing from the answer, only the address's owner from their mailbox.
    assert sorted(message.to[0] for message in mail.outbox) == ["known@example.com", "unknown@example.com"]
    reset, = [message for message in mail.outbox if message.to == ["known@example.com"]]
    assert "/accounts/password/reset/key/" in reset.body
