"""Re-encrypt every stored private key under the newest KEY_ENCRYPTION_KEYS key.

Rotation: prepend a new Fernet key to KEY_ENCRYPTION_KEYS (the first encrypts, all
decrypt), restart web and workers, run this, then drop the old key from the list
(docs/DEPLOYMENT.md, "Key rotation").
"""
import json

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from patterns import custody


class Command(BaseCommand):
    help = "Re-encrypt every sealed private key (pulls, jobs) under the first of KEY_ENCRYPTION_KEYS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options) -> None:
        try:
            counts = custody.reseal_all()
        except InvalidToken:
            raise CommandError(
                "a stored key opens with none of KEY_ENCRYPTION_KEYS: keep every old key listed until this succeeds",
                returncode=1,
            ) from None
        if options["json"]:
            self.stdout.write(json.dumps({"resealed": counts}))
            return
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} keys resealed")
        self.stdout.write(self.style.SUCCESS(f"{sum(counts.values())} keys now sealed under the newest key"))
