"""Pulls: one grinding run with a fixed budget, its best key, and that key's custody."""
from django.db import models

from patterns.models import KeySearch, SearchStatus


class Pull(KeySearch):
    Status = SearchStatus

    batch = models.CharField(max_length=32, blank=True, help_text="Shared by the pulls paid for together.")
    batch_size = models.PositiveSmallIntegerField(default=1, help_text="1, or 10 for a 10× pull.")
    budget = models.PositiveIntegerField()

    paid_with = models.CharField(max_length=8, help_text="free or tokens")
    tokens_spent = models.PositiveIntegerField(default=0)
    spend_entry = models.ForeignKey(
        "economy.LedgerEntry", on_delete=models.PROTECT, related_name="+", help_text="The ledger entry that paid for it."
    )
    refunded = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=[c for c in SearchStatus.choices if c[0] != SearchStatus.CANCELLED], default=Status.QUEUED
    )
    share_token = models.CharField(max_length=43, null=True, blank=True, unique=True)

    class Meta(KeySearch.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "number"], name="pull_number_per_user")]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["key_kept", "key_erased_at", "finished_at"]),
        ]

    def __str__(self) -> str:
        return f"Pull #{self.number} of {self.user} ({self.pattern!r}, {self.status})"
