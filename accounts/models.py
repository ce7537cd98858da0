"""Accounts: the user (with what they confirmed at sign-up) and hashed API bearer tokens."""
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A VaniKeys user: Django's user plus the consent given at sign-up (18+ and the terms)."""

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False,
        help_text="The id the API shows (the integer key stays inside: it counts every sign-up).",
    )
    age_confirmed_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    terms_version = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return self.username


class ApiToken(models.Model):
    """A bearer token for scripts; only its SHA-256 is stored, never the token itself."""

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False,
        help_text="The id the account page's revoke URL shows (the integer key stays inside).",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.prefix}… for {self.user} ({state})"
