"""Payments: a purchase of a token pack through Stripe, what Stripe later takes back, and
what staff must look at.

A ``Purchase`` is written before Stripe is called; Stripe's objects (Checkout Session,
PaymentIntent, Charge, Refund, Dispute) are synced by dj-stripe into its own tables, and a
purchase names them by id. Tokens move only through ``economy.services``: the purchase
points at the ledger entry that credited it, each ``PurchaseReversal`` at the entry that
took a refunded or disputed share back.
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Purchase(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Disputed"
        MISMATCHED = "mismatched", "Held for review"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"

    class Flow(models.TextChoices):
        CHECKOUT = "checkout", "Stripe Checkout"
        INTENT = "intent", "PaymentIntent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    pack = models.CharField(max_length=32, help_text="The TOKEN_PACKS name bought.")
    tokens = models.PositiveIntegerField(help_text="Tokens the pack gave when the purchase started.")
    amount_cents = models.PositiveIntegerField(help_text="The price asked, in the currency's smallest unit.")
    currency = models.CharField(max_length=3)
    flow = models.CharField(max_length=8, choices=Flow.choices, default=Flow.CHECKOUT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)

    checkout_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=2048, blank=True)
    payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    receipt_url = models.URLField(max_length=2048, blank=True)

    credit_entry = models.OneToOneField(
        "economy.LedgerEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchase",
        help_text="The ledger entry that credited the tokens (set once).",
    )
    refunded_cents = models.PositiveIntegerField(default=0, help_text="Refunded at Stripe so far.")
    failure_reason = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the success page last asked Stripe about it."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="payments_purchase_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_entry__isnull=True) | ~Q(status__in=["pending", "mismatched", "expired", "failed"]),
                name="payments_credited_purchase_is_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pack} ({self.tokens} tokens, {self.price}) for {self.user} — {self.get_status_display()}"

    @property
    def price(self) -> str:
        return format_money(self.amount_cents, self.currency)

    @property
    def refunded(self) -> str:
        return format_money(self.refunded_cents, self.currency)

    @property
    def stripe_id(self) -> str:
        """The Stripe object its credit is keyed by: the Checkout Session, or the PaymentIntent."""
        return (self.checkout_session_id if self.flow == self.Flow.CHECKOUT else self.payment_intent_id) or ""


class PurchaseReversal(models.Model):
    """Tokens taken back because Stripe refunded or disputed (part of) a purchase's charge.

    One row per Stripe change (a refund total reached, a dispute opened), applied once:
    the debit never takes a balance below zero, and what it could not take is the
    ``shortfall_tokens`` staff see.
    """

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund"
        DISPUTE = "dispute", "Dispute"

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="reversals")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=255, unique=True, help_text="The Stripe change it applies, at most once.")
    stripe_id = models.CharField(max_length=255, db_index=True, help_text="The Charge (refunds) or Dispute.")
    amount_cents = models.PositiveIntegerField(help_text="Money refunded or disputed by this change.")
    tokens_owed = models.PositiveIntegerField(help_text="The purchase's tokens that money stands for.")
    tokens_taken = models.PositiveIntegerField(default=0)
    shortfall_tokens = models.PositiveIntegerField(default=0, help_text="Owed but not in the balance.")
    ledger_entry = models.OneToOneField(
        "economy.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="purchase_reversal"
    )
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while the purchase has not been credited yet."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        short = f", {self.shortfall_tokens} short" if self.shortfall_tokens else ""
        return f"{self.get_kind_display()} {self.stripe_id}: {self.tokens_owed} tokens owed{short}"

    @property
    def amount(self) -> str:
        return format_money(self.amount_cents, self.purchase.currency)


class PaymentProblem(models.Model):
    """Something about a payment that credits nothing (or less) and needs a person."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch", "Amount or currency mismatch"
        UNKNOWN_PURCHASE = "unknown_purchase", "Stripe object for no purchase of ours"
        PACK_MISMATCH = "pack_mismatch", "Unknown pack or pack mismatch"
        SHORTFALL = "shortfall", "Refund or dispute shortfall"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    stripe_id = models.CharField(max_length=255, db_index=True)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="problems")
    detail = models.TextField()
    resolved = models.BooleanField(default=False, help_text="Ticked by staff once handled.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "stripe_id"], name="payments_problem_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.stripe_id}"


ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv", "xaf", "xof", "xpf"}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


def format_money(amount: int, currency: str) -> str:
    currency = currency.lower()
    value = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"
