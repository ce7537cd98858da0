"""Reads for accounts: who a bearer token belongs to."""
import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .exceptions import AmbiguousLogin
from .models import ApiToken, User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(token: str) -> ApiToken | None:
    """The unrevoked token of an active user (with its user), or None."""
    return (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def active_tokens(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def user_by_login(login: str) -> User | None:
    """The user named by a username (exactly, else in any case if only one matches) or,
    failing that, by a unique e-mail address."""
    user = User.objects.filter(username=login).first() or _only(User.objects.filter(username__iexact=login))
    if user is not None or "@" not in login:
        return user
    return _only(User.objects.filter(email__iexact=login), login)


def _only(users: QuerySet, login: str = "") -> User | None:
    """The one user in ``users``, None for none; several is ambiguous when ``login`` is named."""
    matches = list(users[:2])
    if len(matches) > 1 and login:
        raise AmbiguousLogin(f"Several accounts use {login}; give the username instead.")
    return matches[0] if len(matches) == 1 else None
