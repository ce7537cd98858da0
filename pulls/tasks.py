"""Celery tasks for pulls: thin wrappers over pulls.services."""
from celery import shared_task

from . import services


@shared_task(name="pulls.run_pull", acks_late=True)
def run_pull(pull_id: int) -> None:
    services.execute_pull(pull_id)


@shared_task(name="pulls.erase_expired_keys")
def erase_expired_keys() -> int:
    return services.erase_expired_keys()


@shared_task(name="pulls.fail_stale_pulls")
def fail_stale_pulls() -> int:
    return services.fail_stale_pulls()
