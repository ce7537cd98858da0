"""API tokens: another user's token cannot be revoked (404, like every foreign id), and a new
password revokes every token of its user, whichever way it was set."""
import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiToken
from tests.factories import PASSWORD, ApiTokenFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an entirely new passphrase 77"


def works(token: str) -> bool:
    return Client(headers={"Authorization": f"Bearer {token}"}).get("/auth/me").status_code == 200


def test_revoking_another_users_token_is_a_404_and_revokes_nothing(client_of, user, other_user):
    theirs = ApiTokenFactory(user=other_user)
    response = client_of(user).post(f"/account/api-tokens/{theirs.public_id}/revoke")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None and works(theirs.token)


def test_changing_the_password_on_the_page_revokes_every_token(client_of, user):
    tokens = [ApiTokenFactory(user=user), ApiTokenFactory(user=user)]
    client = client_of(user)
    page = client.get("/accounts/password/change/").content.decode()
    assert "revokes all your API tokens" in page
    response = client.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    assert not any(works(token.token) for token in tokens)


def test_a_password_set_by_staff_or_the_command_line_revokes_them_too(user, monkeypatch):
    token = ApiTokenFactory(user=user)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert not works(token.token)

    second = ApiTokenFactory(user=user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "yet another passphrase 99")
    call_command("changepassword", user.username)
    assert not works(second.token)


def test_other_saves_and_other_users_keep_their_tokens(user, other_user):
    mine, theirs = ApiTokenFactory(user=user), ApiTokenFactory(user=other_user)
    user.first_name = "Ada"
    user.save()
    other_user.set_password(NEW_PASSWORD)
    other_user.save()
    assert works(mine.token) and not works(theirs.token)


def test_the_account_page_says_a_password_change_revokes_tokens(client_of, user):
    assert "Changing your password revokes every token" in client_of(user).get("/account").content.decode()
