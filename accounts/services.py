"""Writes for accounts: registration with consent, API tokens."""
import secrets
from datetime import timedelta
from uuid import UUID

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core.internal.ratelimit import parse_rates
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.exceptions import NotFound, RateLimited

from .exceptions import InvalidCredentials, RegistrationConflict, RegistrationRefused
from .models import ApiToken, User
from .selectors import hash_token

TERMS_VERSION = "2026-11"
TOKEN_PREFIX = "vk_"


def user_record_consent(user: User) -> User:
    """Store that the user confirmed being 18+ and accepted the current terms."""
    now = timezone.now()
    user.age_confirmed_at = user.terms_accepted_at = now
    user.terms_version = TERMS_VERSION
    user.save(update_fields=["age_confirmed_at", "terms_accepted_at", "terms_version"])
    return user


def user_register(
    *, username: str, email: str, password: str, confirm_age: bool, accept_terms: bool
) -> AbstractBaseUser:
    """Create a user the way the sign-up page does, or raise RegistrationRefused /
    RegistrationConflict."""
    if confirm_age is not True:
        raise RegistrationRefused("You must confirm that you are 18 or older.")
    if accept_terms is not True:
        raise RegistrationRefused("You must accept the terms of service.")
    email = email.strip().lower()  # as allauth stores addresses, so log-in by e-mail finds it
    candidate = User(username=username, email=email)
    try:
        User._meta.get_field("username").run_validators(username)
        validate_email(email)
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise RegistrationRefused(" ".join(exc.messages)) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise RegistrationConflict("That username is taken.")
    # An e-mail address already in use is not a refusal: answering so would tell anyone
    # which addresses have accounts. This is allauth's enumeration prevention in its
    # "strict" mode (ACCOUNT_PREVENT_ENUMERATION), the same as the sign-up page: the new
    # account's address stays unverified, and only a verified address is unique.
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
            user_record_consent(user)
    except IntegrityError as exc:
        raise RegistrationConflict("That username is taken.") from exc
    return user


def user_authenticate(request: HttpRequest, *, login: str, password: str) -> AbstractBaseUser:
    """The user a username or e-mail and password name, checked exactly as the log-in page
    checks them: through allauth's adapter, so its per-account lockout
    (``ACCOUNT_RATE_LIMITS["login_failed"]``) counts failures by page and by API together,
    and an unknown login costs a password hash like a known one (no timing difference).

    Raises InvalidCredentials (401) or, once the account is locked out, RateLimited (429).
    """
    credentials = {"username": login, "password": password}
    if "@" in login:  # what allauth's LoginForm passes, so the lockout key is the same
        credentials["email"] = login
    try:
        user = get_adapter(request).authenticate(request, **credentials)
    except ValidationError as exc:  # allauth's "too many failed log-in attempts"
        wait = login_lockout_seconds()
        raise RateLimited(f"Too many failed log-in attempts; try again in {wait} s.", retry_after=wait) from exc
    if user is None or not user.is_active:
        raise InvalidCredentials("Wrong username, e-mail or password.")
    return user


def login_lockout_seconds() -> int:
    """How long allauth keeps an account locked after too many failures (its per-key window)."""
    rates = parse_rates(allauth_settings.RATE_LIMITS.get("login_failed"))
    return int(max((rate.duration for rate in rates if rate.per == "key"), default=300))


def tokens_revoke_all(user: AbstractBaseUser) -> int:
    """Revoke every active API token of the user (a password change or reset); how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_issue(user: AbstractBaseUser) -> str:
    """A new bearer token; the caller sees it once, the database keeps its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, token_hash=hash_token(token), prefix=token[:10])
    return token


LAST_USED_PRECISION = timedelta(minutes=5)


def token_mark_used(api_token: ApiToken) -> None:
    """Record when a token was last used, to within a few minutes (one write, not one per call)."""
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)


def token_revoke(token: str) -> bool:
    """Revoke a token; True when it was active."""
    updated = ApiToken.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return updated == 1


def token_revoke_own(user: AbstractBaseUser, *, public_id: UUID) -> None:
    """Revoke one of the user's own active tokens by its public id (the account page);
    NotFound for anyone else's, a revoked one, or no such token."""
    updated = ApiToken.objects.filter(public_id=public_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated != 1:
        raise NotFound("No such API token.")
