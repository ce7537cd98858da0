"""Guaranteed jobs: a paid search that grinds until an exact match, split into chunks.

A ``Job`` is what the user bought (the pattern, its exact odds, the price, the spend
entry that paid for it) and, once found, the key like a pull's. A ``Chunk`` is one
bounded piece of grinding that one Celery task runs on any worker: it records its own
progress (``keys_done``) under the lease of the delivery that holds it, so a message
delivered twice never counts its keys twice, and its heartbeat tells the beat sweep
when its worker is gone.
"""
from django.db import models

from patterns.models import KeySearch, SearchStatus


class Job(KeySearch):
    Status = SearchStatus

    class PaidWith(models.TextChoices):
        TOKENS = "tokens"
        SPARK = "spark", "spark meter"

    pattern_key = models.CharField(
        max_length=440, db_index=True, help_text="Format, options and the parts after whitespace normalisation."
    )
    p_jackpot = models.FloatField(help_text="Exact probability that one key is an exact match.")
    expected_keys = models.FloatField(help_text="1 / p_jackpot.")
    price_tokens = models.PositiveIntegerField()
    paid_with = models.CharField(max_length=8, choices=PaidWith.choices, default=PaidWith.TOKENS)
    spend_entry = models.ForeignKey(
        "economy.LedgerEntry", null=True, on_delete=models.PROTECT, related_name="+",
        help_text="The ledger entry that paid for it (0 tokens when paid by the spark meter).",
    )
    spark_key = models.CharField(
        max_length=120, null=True, blank=True, unique=True,
        help_text="For a job paid by the spark meter: the conversion's key, so it happens once.",
    )
    spark_tokens = models.PositiveIntegerField(
        default=0, help_text="Spark-meter tokens this job used up (less what a cancel or failure gave back)."
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the owner was e-mailed the result.")
    found_chunk = models.ForeignKey("jobs.Chunk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key_kept = models.BooleanField(default=True, help_text="A paid-for key is kept until its owner erases it.")

    class Meta(KeySearch.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "number"], name="jobs_job_number_per_user")]
        indexes = [models.Index(fields=["user", "-created_at"], name="jobs_job_user_recent")]

    def __str__(self) -> str:
        return f"Job #{self.number} of {self.user} ({self.pattern!r}, {self.status})"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Chunk(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done", "done (no match)"
        FOUND = "found"
        STOPPED = "stopped"
        FAILED = "failed"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField(help_text="0 for the job's first chunk.")
    budget = models.PositiveBigIntegerField(help_text="Keys this chunk grinds.")
    keys_done = models.PositiveBigIntegerField(default=0, help_text="Keys ground, counted once whatever the deliveries.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Deliveries that claimed it.")
    lease = models.CharField(max_length=32, blank=True, help_text="The delivery now holding it; others are ignored.")
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the last worker that claimed it.")
    keys_per_second = models.FloatField(default=0.0)
    last_error = models.CharField(max_length=300, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="jobs_chunk_index_per_job")]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="jobs_chunk_status_heartbeat")]

    def __str__(self) -> str:
        return f"Chunk {self.index} of job {self.job_id} ({self.status}, {self.keys_done}/{self.budget})"
