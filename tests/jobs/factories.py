"""Jobs made the way a user makes them (paid through the ledger by ``jobs.services``), and
finished the way a worker finishes them (claim a chunk, grind it in this process)."""
from __future__ import annotations

from patterns.engine import PatternSpec
from tests.factories import FundedUserFactory

EASY = "xyz"  # about 1,600 keys a match: a chunk of 20,480 keys finds one almost surely
HARD = "vani 42"  # about 44 million keys: no test's grinding finds it


def make_job(user=None, pattern: str = EASY, **options):
    from jobs import services

    user = user or FundedUserFactory(tokens=1_000_000)
    return services.job_create(user, spec=PatternSpec(pattern=pattern, **options))


def finish_job(job, *, attempts: int = 5):
    """Grind the job's first chunk here until it finds its match (an easy pattern)."""
    from jobs import services
    from jobs.models import Chunk

    for _ in range(attempts):
        chunk = Chunk.objects.filter(job=job, status="queued").order_by("index").first()
        lease = services.chunk_claim(chunk.pk, worker="test:1")
        if services.chunk_grind(lease) == "found":
            job.refresh_from_db()
            return job
    raise AssertionError(f"no match in {attempts} chunks of {job.pattern!r}")
