"""How the account page shows ledger entries: what each one was for, linked to its page."""
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from pulls.selectors import pulls_by_ledger_reference


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None


@dataclass(frozen=True)
class LedgerRow:
    entry: object
    link: Link

    def __getattr__(self, name: str):
        return getattr(self.entry, name)


def ledger_rows(user: AbstractBaseUser, entries: list) -> list[LedgerRow]:
    pulls = pulls_by_ledger_reference(user, [entry.reference for entry in entries])
    return [LedgerRow(entry, _link(entry.reference, pulls)) for entry in entries]


def _link(reference: str, pulls: dict) -> Link:
    kind, _, key = reference.partition(":")
    if reference in pulls:
        pull = pulls[reference]
        what = f"{pull.batch_size}× pull from #{pull.number}" if pull.batch_size > 1 and kind == "pulls" else f"Pull #{pull.number}"
        return Link(what, reverse("pull_page", args=[pull.public_id]))
    if kind == "job" and key.isdigit():
        return Link(f"Guaranteed job #{key}", reverse("job_page", args=[int(key)]))
    if kind == "purchase":
        return Link("Purchase", reverse("account") + "#purchases")
    return Link(reference or "—", None)
