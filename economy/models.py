"""Tokens: one wallet per user and the append-only ledger that explains its balance.

The wallet row is the lock every balance change takes (``economy.services``); the
ledger is the history. Invariant: ``wallet.balance == sum(entry.amount)`` for the user.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Wallet(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet")
    balance = models.BigIntegerField(default=0, help_text="Tokens; changed only through ledger entries.")
    free_pulls_used_on = models.DateField(
        null=True, blank=True, help_text="The UTC day free_pulls_used counts; an older day means none used today."
    )
    free_pulls_used = models.PositiveSmallIntegerField(default=0)
    tokens_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="The user's own daily spending limit; empty means none."
    )
    tokens_per_month = models.PositiveIntegerField(
        null=True, blank=True, help_text="The user's own monthly spending limit; empty means none."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="economy_wallet_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.balance} tokens"


class LedgerEntry(models.Model):
    """One balance change (or a free pull, amount 0). Never updated or deleted."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        PULL = "pull", "Pull"
        JOB = "job", "Guaranteed job"
        REFUND = "refund", "Refund"
        GRANT = "grant", "Grant"
        FREE = "free", "Free pull"
        ADJUSTMENT = "adjustment", "Adjustment"

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False,
        help_text="The id the API shows (the integer key stays inside: it counts every entry).",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField(help_text="Signed: positive credits, negative debits.")
    balance_before = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reference = models.CharField(max_length=255, blank=True, help_text='What it is for: "pull:12", "stripe:evt_…".')
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who made a manual entry.",
    )
    idempotency_key = models.CharField(
        max_length=255, null=True, blank=True, unique=True, help_text="Applied at most once per key."
    )
    refunds = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="refunded_by",
        help_text="For a refund: the spend (pull, job or free pull) it gives back.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="economy_ledger_user_recent"),
            models.Index(fields=["user", "reference"], name="economy_ledger_user_ref"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after=F("balance_before") + F("amount")),
                name="economy_ledger_balance_after_adds_up",
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="economy_ledger_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(refunds__isnull=True) | Q(kind="refund"), name="economy_ledger_only_refunds_refer_to_a_spend"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user} {self.kind} {self.amount:+d} → {self.balance_after} ({self.reference or '-'})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Ledger entries are append-only; write a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only and cannot be deleted.")
