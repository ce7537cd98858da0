"""Celery tasks for guaranteed jobs: thin wrappers over jobs.services.

``grind_chunk_task`` runs on the ``grinding`` queue (settings: CELERY_TASK_ROUTES), acked
only when it returns (``acks_late``) and given back to the broker if its worker process
dies (``reject_on_worker_lost``); the services make a second delivery harmless. Failures of
the task's own making (its time limit, an error while grinding) are one failed attempt of
the chunk: queued again, or the job fails and is refunded after JOB_CHUNK_MAX_ATTEMPTS.
"""
import logging
import os
import socket

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import services

log = logging.getLogger(__name__)


@shared_task(
    name="jobs.grind_chunk",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.JOB_CHUNK_TIME_LIMIT_SECONDS,
    time_limit=settings.JOB_CHUNK_TIME_LIMIT_SECONDS + 30,
)
def grind_chunk_task(self, chunk_id: int) -> str:
    worker = f"{self.request.hostname or socket.gethostname()}:{os.getpid()}"
    lease = services.chunk_claim(chunk_id, worker=worker)
    if lease is None:
        return "skipped"
    try:
        return services.chunk_grind(lease)
    except SoftTimeLimitExceeded:
        limit = settings.JOB_CHUNK_TIME_LIMIT_SECONDS
        services.chunk_fail(lease, reason=f"The chunk ran past its time limit of {limit} s.")
        return "timed out"
    except Exception as exc:
        log.exception("chunk %s of job %s failed while grinding", chunk_id, lease.job_id)
        services.chunk_fail(lease, reason=f"{type(exc).__name__}: {exc}")
        return "failed"


@shared_task(name="jobs.sweep", ignore_result=True)
def sweep_jobs_task() -> dict:
    return services.jobs_sweep()
