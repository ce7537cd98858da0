"""Fail and refund work no worker finished in time, now (the beat tasks do it every few
minutes): pulls running past PULL_STALE_MINUTES or queued past PULL_QUEUE_TIMEOUT_MINUTES,
and guaranteed jobs' lost chunks (re-queued, or the job failed and refunded).

It lives in jobs, which builds on pulls, so that pulls never imports jobs."""
import json

from django.core.management.base import BaseCommand

from jobs import services as jobs
from pulls import services as pulls


def sweeps() -> dict:
    return {"pulls_failed": pulls.pulls_fail_stale(), "jobs": jobs.jobs_sweep()}


class Command(BaseCommand):
    help = "Fail and refund stale pulls and sweep guaranteed jobs' lost chunks, now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args, **options) -> None:
        results = sweeps()
        if options["json"]:
            self.stdout.write(json.dumps(results))
            return
        self.stdout.write(f"pulls failed and refunded: {results['pulls_failed']}")
        for name, count in results["jobs"].items():
            self.stdout.write(f"jobs {name}: {count}")
