"""How the account page shows ledger entries: what each one was for, linked to its page."""
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from jobs.selectors import jobs_by_ledger_reference
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
    references = [entry.reference for entry in entries]
    named = {**pulls_by_ledger_reference(user, references), **jobs_by_ledger_reference(user, references)}
    return [LedgerRow(entry, _link(entry.reference, named)) for entry in entries]


def _link(reference: str, named: dict) -> Link:
    kind = reference.partition(":")[0]
    if kind == "job" and reference in named:
        job = named[reference]
        return Link(f"Guaranteed job #{job.number}", reverse("job_page", args=[job.public_id]))
    if reference in named:
        pull = named[reference]
        what = f"{pull.batch_size}× pull from #{pull.number}" if pull.batch_size > 1 and kind == "pulls" else f"Pull #{pull.number}"
        return Link(what, reverse("pull_page", args=[pull.public_id]))
    if kind == "purchase":
        return Link("Purchase", reverse("account") + "#purchases")
    return Link(reference or "—", None)
