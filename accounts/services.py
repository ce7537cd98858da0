"""Writes for accounts: registration with consent, API tokens."""
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiToken, Profile
from .selectors import hash_token

TERMS_VERSION = "2026-11"
TOKEN_PREFIX = "vk_"


class RegistrationError(ValueError):
    """Registration refused; ``code`` says why (bad_request or conflict)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def record_consent(user: AbstractBaseUser) -> Profile:
    """Store that the user confirmed being 18+ and accepted the current terms."""
    now = timezone.now()
    profile, _ = Profile.objects.update_or_create(
        user=user,
        defaults={"age_confirmed_at": now, "terms_accepted_at": now, "terms_version": TERMS_VERSION},
    )
    return profile


def register_user(
    *, username: str, email: str, password: str, confirm_age: bool, accept_terms: bool
) -> AbstractBaseUser:
    """Create a user the way the sign-up page does, or raise RegistrationError."""
    if confirm_age is not True:
        raise RegistrationError("bad_request", "You must confirm that you are 18 or older.")
    if accept_terms is not True:
        raise RegistrationError("bad_request", "You must accept the terms of service.")
    User = get_user_model()
    candidate = User(username=username, email=email)
    try:
        User._meta.get_field("username").run_validators(username)
        validate_email(email)
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise RegistrationError("bad_request", " ".join(exc.messages)) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise RegistrationError("conflict", "That username is taken.")
    if EmailAddress.objects.filter(email__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        raise RegistrationError("conflict", "An account with that e-mail already exists.")
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            record_consent(user)
    except IntegrityError as exc:
        raise RegistrationError("conflict", "That username or e-mail is taken.") from exc
    return user


def issue_token(user: AbstractBaseUser) -> str:
    """A new bearer token; the caller sees it once, the database keeps its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, token_hash=hash_token(token), prefix=token[:10])
    return token


LAST_USED_PRECISION = timedelta(minutes=5)


def mark_token_used(api_token: ApiToken) -> None:
    """Record when a token was last used, to within a few minutes (one write, not one per call)."""
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)


def revoke_token(token: str) -> bool:
    """Revoke a token; True when it was active."""
    updated = ApiToken.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1


def revoke_token_of(user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of the user's own tokens by id (the account page); True when it was active."""
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1
