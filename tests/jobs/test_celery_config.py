"""The at-least-once settings a guaranteed job relies on, as Celery sees them."""
from django.conf import settings

from jobs.tasks import grind_chunk_task, sweep_jobs_task
from vanikeys_site.celery import app


def test_chunks_go_to_the_grinding_queue_and_a_plain_worker_consumes_every_queue():
    assert app.amqp.router.route({}, grind_chunk_task.name)["queue"].name == "grinding"
    assert app.amqp.router.route({}, sweep_jobs_task.name)["queue"].name == "celery"
    assert {queue.name for queue in app.amqp.queues.values()} == {"celery", "grinding"}  # a worker without -Q: both


def test_chunk_tasks_are_acked_late_given_back_if_their_worker_dies_and_prefetched_one_at_a_time():
    assert grind_chunk_task.acks_late and grind_chunk_task.reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert grind_chunk_task.soft_time_limit == settings.JOB_CHUNK_TIME_LIMIT_SECONDS < grind_chunk_task.time_limit


def test_the_visibility_timeout_outlasts_the_longest_task_and_the_sweep_is_scheduled():
    longest = max(grind_chunk_task.time_limit, settings.PULL_TIME_LIMIT_SECONDS + 30)
    assert settings.JOB_VISIBILITY_TIMEOUT_SECONDS > longest
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert app.conf.broker_transport_options["visibility_timeout"] == settings.JOB_VISIBILITY_TIMEOUT_SECONDS
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-guaranteed-jobs"]
    assert sweep["task"] == "jobs.sweep" and 0 < sweep["schedule"] <= settings.JOB_HEARTBEAT_STALE_SECONDS * 60
    assert app.conf.worker_send_task_events  # Flower sees chunk tasks once a worker has them
    assert not app.conf.task_send_sent_event  # no second broker write inside every enqueue
