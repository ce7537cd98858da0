"""``manage.py grant_tokens <username or email> <amount> --reason TEXT [--json]`` for operators."""
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from economy import services
from economy.models import LedgerEntry


class Command(BaseCommand):
    help = "Grant tokens to a user; writes a 'grant' ledger entry with the reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="Username or e-mail address.")
        # Parsed here rather than by argparse, so bad input is one line and exit status 2.
        parser.add_argument("amount", help="Tokens to grant, a positive whole number.")
        parser.add_argument("--reason", default="", help="Why (required; shown in the ledger).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options) -> None:
        amount, reason = options["amount"], options["reason"]
        try:
            tokens = int(amount)
        except ValueError:
            tokens = 0
        if tokens <= 0:
            raise CommandError(f"amount must be a positive whole number of tokens, not {amount!r}", returncode=2)
        if not reason.strip():
            raise CommandError("--reason is required: say why these tokens are granted", returncode=2)
        recipient = find_user(options["user"])
        entry = services.grant(recipient, tokens, reason.strip(), created_by=None, reference="grant_tokens")
        if options["json"]:
            self.stdout.write(to_json(recipient, entry))
        else:
            self.stdout.write(
                f"Granted {tokens} tokens to {recipient.username}: "
                f"balance {entry.balance_after} (ledger entry #{entry.pk})."
            )


def find_user(login: str) -> AbstractBaseUser:
    """The user with this username, or else the one user with this e-mail address."""
    User = get_user_model()
    user = User.objects.filter(username=login).first()
    if user is not None:
        return user
    matches = list(User.objects.filter(email__iexact=login)[:2]) if "@" in login else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"more than one user has the e-mail {login!r}; give a username", returncode=2)
    raise CommandError(f"no user with username or e-mail {login!r}", returncode=2)


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
