"""Celery tasks for pulls: thin wrappers over pulls.services."""
from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    name="pulls.run_pull",
    acks_late=True,
    soft_time_limit=settings.PULL_TIME_LIMIT_SECONDS,
    time_limit=settings.PULL_TIME_LIMIT_SECONDS + 30,
)
def run_pull(pull_id: int) -> None:
    """The soft limit raises inside the grinder, so the pull fails and is refunded."""
    services.execute_pull(pull_id)


@shared_task(name="pulls.erase_expired_keys")
def erase_expired_keys() -> int:
    return services.erase_expired_keys()


@shared_task(name="pulls.fail_stale_pulls")
def fail_stale_pulls() -> int:
    return services.fail_stale_pulls()
