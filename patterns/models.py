"""What every key search stores, whichever app runs it: the pattern object the user asked
for (PRODUCT.md §9), the key it found and that key's custody.

``KeySearch`` is abstract: pulls and guaranteed jobs each own their table and add what is
theirs (a budget, a price, chunks). A search is known outside by its ``public_id`` (a
UUID); the integer key counts every search of every user, so it never leaves the server.
"""
import uuid

from django.conf import settings
from django.db import models


class SearchStatus(models.TextChoices):
    """Where a search stands. Pulls end done or failed; only a guaranteed job can be cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


DONE = SearchStatus.DONE


class KeySearch(models.Model):
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False,
        help_text="The id URLs and the API show (the integer key stays inside).",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="%(class)ss")
    number = models.PositiveIntegerField(help_text="The user's own count: 1 for their first.")

    pattern = models.CharField(max_length=400)
    format = models.CharField(max_length=16)
    case_insensitive = models.BooleanField(default=False)
    fuzzy = models.BooleanField(default=False)
    anchor = models.CharField(max_length=8, default="anywhere")
    mode = models.CharField(max_length=8, default="words")

    keys_tried = models.PositiveBigIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    address = models.CharField(max_length=120, blank=True)
    body = models.CharField(max_length=64, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    n = models.PositiveSmallIntegerField(default=0)
    jackpot = models.BooleanField(default=False)
    matches = models.JSONField(default=list, blank=True)
    missing = models.JSONField(default=list, blank=True)
    bonus = models.JSONField(default=list, blank=True)

    encrypted_seed = models.BinaryField(null=True, blank=True, editable=False)
    key_kept = models.BooleanField(default=False)
    key_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def has_key(self) -> bool:
        return self.encrypted_seed is not None

    @property
    def is_done(self) -> bool:
        return self.status == DONE
