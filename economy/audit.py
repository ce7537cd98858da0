"""Reads that check the §7 ledger invariants for every user (``manage.py check_ledger``,
the wallet admin's "Check ledger" action, the load test's closing check).

For each user: entries, in the order they were written, form an unbroken chain (each
starts from the previous one's ``balance_after`` and ends at ``balance_before + amount``);
no balance is ever negative; the wallet's balance equals the last entry's balance and the
sum of every amount. A wallet without entries must be at 0; entries without a wallet are
a problem too.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

from django.contrib.auth.models import AbstractBaseUser

from .models import LedgerEntry, Wallet


@dataclass
class LedgerReport:
    user_id: int
    username: str
    balance: int | None
    entries: int = 0
    total: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def ledger_audit(users: Iterable[AbstractBaseUser] | None = None) -> Iterator[LedgerReport]:
    """One report per user with a wallet or an entry (or per user given), in user id order.
    Streams the entries once, in (user, id) order, so it runs in constant memory."""
    wallets = Wallet.objects.select_related("user").order_by("user_id")
    entries = LedgerEntry.objects.select_related("user").order_by("user_id", "id")
    if users is not None:
        ids = [user.pk for user in users]
        wallets, entries = wallets.filter(user_id__in=ids), entries.filter(user_id__in=ids)
    balances = {wallet.user_id: (wallet.balance, wallet.user.username) for wallet in wallets.iterator()}
    reports: dict[int, LedgerReport] = {}
    current: LedgerReport | None = None
    running = 0
    for entry in entries.iterator(chunk_size=2000):
        if current is None or current.user_id != entry.user_id:
            if current is not None:
                _close(current, running)
                yield current
            balance, username = balances.pop(entry.user_id, (None, entry.user.username))
            current = reports[entry.user_id] = LedgerReport(entry.user_id, username, balance)
            running = 0
        current.entries += 1
        current.total += entry.amount
        if entry.balance_before != running:
            current.problems.append(f"entry #{entry.pk} starts from {entry.balance_before}, not {running}")
        if entry.balance_after != entry.balance_before + entry.amount:
            current.problems.append(
                f"entry #{entry.pk}: {entry.balance_before} + {entry.amount} is not {entry.balance_after}"
            )
        if entry.balance_after < 0:
            current.problems.append(f"entry #{entry.pk} leaves a negative balance ({entry.balance_after})")
        running = entry.balance_after
    if current is not None:
        _close(current, running)
        yield current
    for user_id, (balance, username) in sorted(balances.items()):  # wallets with no entry at all
        report = LedgerReport(user_id, username, balance)
        if balance != 0:
            report.problems.append(f"the wallet holds {balance} tokens but there is no ledger entry")
        yield report


def _close(report: LedgerReport, running: int) -> None:
    if report.balance is None:
        report.problems.append("ledger entries but no wallet")
        return
    if report.balance < 0:
        report.problems.append(f"the wallet balance is negative ({report.balance})")
    if report.balance != running:
        report.problems.append(f"the wallet holds {report.balance}, the last entry says {running}")
    if report.balance != report.total:
        report.problems.append(f"the wallet holds {report.balance}, the entries add up to {report.total}")
