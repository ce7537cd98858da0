"""The §7 ledger invariants, checked after economy tests change a wallet."""
from economy.models import LedgerEntry, Wallet


def assert_ledger_consistent(user) -> None:
    """The §7 invariants for one user: never negative, balance = sum of entries, an unbroken chain."""
    wallet = Wallet.objects.filter(user=user).first()
    entries = LedgerEntry.objects.filter(user=user).order_by("id")
    if wallet is None:  # made with the first entry
        assert not entries.exists()
        return
    running = 0
    for entry in entries:
        assert entry.balance_before == running, f"entry #{entry.pk} starts from {entry.balance_before}, not {running}"
        assert entry.balance_after == entry.balance_before + entry.amount
        assert entry.balance_after >= 0
        running = entry.balance_after
    assert wallet.balance >= 0
    assert wallet.balance == running
