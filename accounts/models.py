"""Accounts: consent records and hashed API bearer tokens (users are Django's own)."""
from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What a user confirmed at sign-up: age (18+) and the terms, with when."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    age_confirmed_at = models.DateTimeField()
    terms_accepted_at = models.DateTimeField()
    terms_version = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.user} (terms {self.terms_version})"


class ApiToken(models.Model):
    """A bearer token for scripts; only its SHA-256 is stored, never the token itself."""

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
