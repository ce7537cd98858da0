"""How a guaranteed job's grinding scales with worker processes (PRODUCT.md §11): the same
job is ground by one `celery worker` process, then by two, in one run, and the keys/s of
each is printed with their ratio (the target on a 2-core machine is ≥ 1.8×).

    .venv/bin/python -m bench.job_bench --seconds 20
    .venv/bin/python -m bench.job_bench --database-url postgres://postgres@127.0.0.1:5432/vk_job_bench \\
        --broker-url redis://127.0.0.1:6379/9 --processes 1 2 4

It needs PostgreSQL and Redis on this machine (loopback only). The database given is
created when missing and migrated (the first run takes a couple of minutes); the broker
database is used for queues only. For each process count it starts `celery worker
--concurrency=N -Q grinding`, starts a job for a pattern no run will find ("vani 42",
about 44 million keys a match), waits until N chunks are grinding, counts the job's keys
over ``--seconds`` from the chunks' own progress (what the job page shows), then cancels
the job and stops the worker. Next to each, the same number of plain grinder processes
(no Celery, no database) run side by side: the ceiling the machine allows, so a ratio
below 2× on a busy or shared machine can be told from overhead of the jobs themselves.
The counts alternate for ``--rounds`` rounds and the best
rate of each is compared. Run it on a quiet machine: anything else using the cores is
measured too.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PATTERN = "vani 42"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/vk_job_bench")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window per process count")
    parser.add_argument("--chunk-seconds", type=float, default=5.0, help="JOB_CHUNK_SECONDS for the run")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2, help="alternate the process counts this many times; best of each")
    args = parser.parse_args()
    for url in (args.database_url, args.broker_url):
        if urlparse(url).hostname not in LOOPBACK:
            parser.error(f"only services on this machine are used: {url}")
    if args.seconds <= 0 or args.rounds < 1 or any(n < 1 for n in args.processes):
        parser.error("--seconds and --rounds must be positive and --processes at least 1")
    return args


def environment(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vanikeys_site.settings",
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker_url,
        "REDIS_URL": "",  # the cache stays on files: the broker database holds queues only
        "VANIKEYS_VAR_DIR": str(ROOT / "var" / "job-bench"),
        "THROTTLE_ENABLED": "0",
        "JOB_CHUNK_SECONDS": str(args.chunk_seconds),
        "JOB_MAX_P99_SECONDS": str(10**9),
        "JOB_CHUNKS_IN_FLIGHT": str(2 * max(args.processes)),
    }


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def start_worker(env: dict[str, str], processes: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "vanikeys_site", "worker", "-Q", "grinding", "--loglevel=INFO",
               f"--concurrency={processes}", "--without-gossip", "--without-mingle", "--purge",
               "-n", f"bench{processes}@%h"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.monotonic() + 90
    while "ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return worker


def stop(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


RAW_GRIND = """
import sys, time
from patterns.engine import PatternSpec, compile_pattern, grind
compiled = compile_pattern(PatternSpec(sys.argv[1]))
grind(compiled, budget=20_000)  # warm up, as a chunk's first batches are
start = None
def stop():
    global start
    start = start or time.monotonic()
    return time.monotonic() - start > float(sys.argv[2])
result = grind(compiled, should_stop=stop)
print(result.keys_tried, result.seconds)
"""


def raw_rate(env: dict[str, str], processes: int, seconds: float) -> float:
    """The ceiling: ``processes`` plain grinder processes side by side, no Celery, no database."""
    runs = [subprocess.Popen([sys.executable, "-c", RAW_GRIND, PATTERN, str(seconds)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    total = 0.0
    for run in runs:
        keys, took = run.communicate(timeout=seconds + 120)[0].split()
        total += int(keys) / float(took)
    return total


def measure(user, processes: int, seconds: float) -> tuple[float, int]:
    """Keys/s of one job while ``processes`` chunks grind it; the workers that took part."""
    from jobs import selectors, services
    from jobs.models import Chunk
    from patterns.engine import PatternSpec

    job = services.job_create(user, spec=PatternSpec(PATTERN))
    try:
        deadline = time.monotonic() + 120
        while Chunk.objects.filter(job=job, status="running", keys_done__gt=0).count() < processes:
            if time.monotonic() > deadline:
                sys.exit(f"{processes} chunks of the job never ran at once")
            time.sleep(0.1)
        time.sleep(1.0)  # past every process's first batches
        start_keys, start = selectors.chunk_keys_tried(job.pk), time.monotonic()
        time.sleep(seconds)
        keys, elapsed = selectors.chunk_keys_tried(job.pk) - start_keys, time.monotonic() - start
        workers = Chunk.objects.filter(job=job).exclude(worker="").values_list("worker", flat=True).distinct().count()
    finally:
        services.job_cancel(user, job_id=job.pk)
    return keys / elapsed, workers


def main() -> None:
    args = parse()
    env = environment(args)
    os.environ.update(env)
    Path(env["VANIKEYS_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    ensure_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from accounts.models import User
    from economy import services as economy

    user, _ = User.objects.get_or_create(username="job-bench", defaults={"email": "job-bench@example.com"})
    economy.wallet_grant(user, amount=10_000_000, reason="job bench", created_by=None)

    print(f"job bench: pattern {PATTERN!r}, {args.seconds:g} s per run, chunks of {args.chunk_seconds:g} s, "
          f"{args.rounds} alternating rounds (best of each kept), {os.cpu_count()} CPUs")
    rates: dict[int, float] = {}
    ceilings: dict[int, float] = {}
    for round_number in range(1, args.rounds + 1):
        for processes in args.processes:
            plural = "es" if processes > 1 else ""
            ceiling = raw_rate(env, processes, args.seconds)
            ceilings[processes] = max(ceiling, ceilings.get(processes, 0.0))
            log = ROOT / "var" / "job-bench" / f"worker-{processes}.log"
            worker = start_worker(env, processes, log)
            try:
                rate, workers = measure(user, processes, args.seconds)
            finally:
                stop(worker)
            rates[processes] = max(rate, rates.get(processes, 0.0))
            print(f"  round {round_number}, {processes} process{plural}: job {rate:>9,.0f} keys/s"
                  f" (chunks ground by {workers}), plain grinders side by side {ceiling:>9,.0f} keys/s")
    base, raw_base = rates[args.processes[0]], ceilings[args.processes[0]]
    for processes in args.processes:
        print(f"  best, {processes} process{'es' if processes > 1 else ''}: job {rates[processes]:>9,.0f} keys/s"
              f" = {rates[processes] / base:.2f}× {args.processes[0]}"
              f"   (plain grinders: {ceilings[processes] / raw_base:.2f}×; the job keeps"
              f" {rates[processes] / ceilings[processes]:.0%} of their rate)")

if __name__ == "__main__":
    main()
