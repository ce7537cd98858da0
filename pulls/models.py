"""Pulls: one grinding run with a fixed budget, its best key, and that key's custody."""
import uuid

from django.conf import settings
from django.db import models


class Pull(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False,
        help_text="The id URLs and the API show (the integer key stays inside: it counts every pull).",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulls")
    number = models.PositiveIntegerField(help_text="The user's pull number: 1 for their first pull.")
    batch = models.CharField(max_length=32, blank=True, help_text="Shared by the pulls paid for together.")
    batch_size = models.PositiveSmallIntegerField(default=1, help_text="1, or 10 for a 10× pull.")

    pattern = models.CharField(max_length=400)
    format = models.CharField(max_length=16)
    case_insensitive = models.BooleanField(default=False)
    fuzzy = models.BooleanField(default=False)
    anchor = models.CharField(max_length=8, default="anywhere")
    mode = models.CharField(max_length=8, default="words")
    budget = models.PositiveIntegerField()

    paid_with = models.CharField(max_length=8, help_text="free or tokens")
    tokens_spent = models.PositiveIntegerField(default=0)
    spend_entry = models.ForeignKey(
        "economy.LedgerEntry", on_delete=models.PROTECT, related_name="+", help_text="The ledger entry that paid for it."
    )
    refunded = models.BooleanField(default=False)

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    keys_tried = models.PositiveBigIntegerField(default=0)
    failure_reason = models.CharField(max_length=200, blank=True)
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
    share_token = models.CharField(max_length=43, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "number"], name="pull_number_per_user")]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["key_kept", "key_erased_at", "finished_at"]),
        ]

    def __str__(self) -> str:
        return f"Pull #{self.number} of {self.user} ({self.pattern!r}, {self.status})"

    @property
    def has_key(self) -> bool:
        return self.encrypted_seed is not None
