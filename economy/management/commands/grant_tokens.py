"""``manage.py grant_tokens <username or email> <amount> --reason TEXT [--json]`` for operators."""
import argparse
import json

from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandParser

from accounts.exceptions import AmbiguousLogin
from accounts.selectors import user_by_login
from economy import services
from economy.exceptions import EconomyError
from economy.models import LedgerEntry
from vanikeys_site.cli import VaniKeysCommand, usage_error


def token_amount(value: str) -> int:
    """A positive whole number of tokens, at most one operation's maximum."""
    tokens = int(value) if value.isascii() and value.isdigit() else 0
    if tokens <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number of tokens, not {value!r}")
    if tokens > services.MAX_TOKENS_PER_OPERATION:
        raise argparse.ArgumentTypeError(f"must be at most {services.MAX_TOKENS_PER_OPERATION:,} tokens, not {value}")
    return tokens


class Command(VaniKeysCommand):
    help = "Grant tokens to a user; writes a 'grant' ledger entry with the reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="Username or e-mail address.")
        parser.add_argument("amount", type=token_amount, help="Tokens to grant, a positive whole number.")
        parser.add_argument("--reason", default="", help="Why (required; shown in the ledger).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options) -> None:
        tokens, reason, login = options["amount"], options["reason"].strip(), options["user"]
        if not reason:
            raise usage_error("--reason is required: say why these tokens are granted")
        try:
            recipient = user_by_login(login)
        except AmbiguousLogin as exc:
            raise usage_error(exc.message) from None
        if recipient is None:
            raise usage_error(f"no user with username or e-mail {login!r}")
        try:
            entry = services.wallet_grant(
                recipient, amount=tokens, reason=reason, created_by=None, reference="grant_tokens"
            )
        except EconomyError as exc:  # e.g. past the most a wallet may hold
            raise usage_error(exc.message) from None
        if options["json"]:
            self.stdout.write(to_json(recipient, entry))
        else:
            self.stdout.write(
                f"Granted {tokens} tokens to {recipient.username}: "
                f"balance {entry.balance_after} (ledger entry #{entry.pk})."
            )


def to_json(user: AbstractBaseUser, entry: LedgerEntry) -> str:
    return json.dumps(
        {
            "user": user.username,
            "amount": entry.amount,
            "balance": entry.balance_after,
            "entry_id": entry.pk,
            "reason": entry.reason,
        }
    )
