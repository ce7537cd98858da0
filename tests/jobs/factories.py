"""Jobs made the way a user makes them (paid through the ledger by ``jobs.services``), and
finished the way a worker finishes them (claim a chunk, grind it in this process)."""
from __future__ import annotations

from tests.factories import JobFactory, grind_until_found

EASY = "xyz"  # about 1,600 keys a match: a chunk of 20,480 keys finds one almost surely
HARD = "vani 42"  # about 44 million keys: no test's grinding finds it


def make_job(user=None, pattern: str = EASY, **options):
    return JobFactory(**({"user": user} if user else {}), pattern=pattern, **options)


finish_job = grind_until_found  # what a worker does, in this process
