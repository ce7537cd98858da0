"""Reads for payments: the token packs on sale and whether purchases are enabled."""
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Pack:
    name: str
    tokens: int
    price_cents: int

    @property
    def price(self) -> str:
        return f"${self.price_cents / 100:,.2f}"

    @property
    def pulls(self) -> int:
        return self.tokens // settings.PULL_COST_TOKENS


def packs() -> list[Pack]:
    return [Pack(name, pack["tokens"], pack["price_cents"]) for name, pack in settings.TOKEN_PACKS.items()]


def purchases_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)
