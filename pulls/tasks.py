"""Celery tasks for pulls: thin wrappers over pulls.services. Failures of the task's own
making (the time limit, an error while grinding) fail the pull here, which refunds it."""
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import services

log = logging.getLogger(__name__)


@shared_task(
    name="pulls.run_pull",
    acks_late=True,
    soft_time_limit=settings.PULL_TIME_LIMIT_SECONDS,
    time_limit=settings.PULL_TIME_LIMIT_SECONDS + 30,
)
def run_pull_task(pull_id: int) -> None:
    """The soft limit raises inside the grinder, so the pull fails and is refunded."""
    try:
        services.pull_execute(pull_id)
    except SoftTimeLimitExceeded:
        services.pull_fail(pull_id, reason=f"The pull ran past its time limit of {settings.PULL_TIME_LIMIT_SECONDS} s.")
    except Exception:
        log.exception("pull %s failed while grinding", pull_id)
        services.pull_fail(pull_id, reason="The grinder failed on our side.")


@shared_task(name="pulls.erase_expired_keys")
def erase_expired_keys_task() -> int:
    return services.pulls_erase_expired_keys()


@shared_task(name="pulls.fail_stale_pulls")
def fail_stale_pulls_task() -> int:
    return services.pulls_fail_stale()
