"""Check the ledger invariants for every user; exit 1 with a report on any mismatch.

    manage.py check_ledger            # one line per problem, a summary last
    manage.py check_ledger --json     # every user's report as JSON
    manage.py check_ledger --user alice --user bob
"""
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from economy.audit import ledger_audit


class Command(BaseCommand):
    help = "Check, for every user, that the balance equals the sum of the ledger entries, that the " \
           "balance_before/balance_after chain is unbroken and that nothing is negative. Exit 1 on any mismatch."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", action="append", default=[], help="only this username (repeatable)")
        parser.add_argument("--json", action="store_true", help="print every user's report as JSON")

    def handle(self, *args, **options) -> None:
        users = None
        if options["user"]:
            users = list(get_user_model().objects.filter(username__in=options["user"]))
            missing = set(options["user"]) - {user.username for user in users}
            if missing:
                raise CommandError(f"no such user: {', '.join(sorted(missing))}", returncode=2)
        reports = list(ledger_audit(users))
        bad = [report for report in reports if not report.ok]
        if options["json"]:
            self.stdout.write(json.dumps({
                "ok": not bad, "users": len(reports), "mismatched": len(bad),
                "reports": [report.as_dict() for report in (bad if bad else reports)],
            }, indent=2))
        else:
            for report in bad:
                for problem in report.problems:
                    self.stdout.write(f"{report.username} (user {report.user_id}): {problem}")
            summary = f"{len(reports)} users checked, {len(bad)} with a mismatch"
            self.stdout.write(summary if bad else self.style.SUCCESS(f"{summary}: the ledger is consistent"))
        if bad:
            raise SystemExit(1)
