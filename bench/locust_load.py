"""Load test of the production-shaped stack on this machine, with locust, bounded in time.

    .venv/bin/python -m bench.locust_load --users 100 --seconds 180 --workers 2

It creates a fresh PostgreSQL database, migrates it, starts gunicorn (DEBUG=0, JSON logs)
and Celery workers on Redis, grants every load user tokens as they sign up (a ledger
grant, like staff would), runs locust headless (bench/locustfile.py: sign up, log in,
estimate, pull, poll, and a read-only balance call as the baseline measured in the same
run; each user's pulls are spread over the run), then stops the load, lets the workers drain, runs ``manage.py check_ledger`` and
fails and refunds nothing by hand. It prints, and writes to bench/results/locust-*.json:
request counts, failures, 5xx, p50/p95/p99 per call, the enqueue p95 against the baseline
p95 (target: at most 2x), pulls done/failed/unsettled, and the ledger check's verdict.

Needs PostgreSQL (postgres@127.0.0.1:5432, trust) and redis-server on PATH; uses its own
database (vk_load) and Redis on a private port (default 6391), so it disturbs nothing.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
ENQUEUE = "POST /api/pulls/execute (enqueue)"
BASELINE = "GET /api/tokens/balance (read-only baseline)"


def sh(*args: str, env: dict | None = None, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=ROOT, env=env, check=check, text=True, capture_output=True, **kwargs)


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def stats_of(prefix: Path) -> dict[str, dict]:
    rows = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (one each)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--pulls-per-user", type=int, default=5, help="spread evenly over the run")
    parser.add_argument("--budget", type=int, default=20_000, help="keys per pull (PULL_BUDGET_KEYS)")
    parser.add_argument("--port", type=int, default=8031)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--database", default="vk_load")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vk-load-"))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database}", "postgres")
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {args.database}", "postgres")
    redis = start(["redis-server", "--port", str(args.redis_port), "--save", "", "--appendonly", "no",
                   "--dir", str(work)], dict(os.environ), work / "redis.log")
    from cryptography.fernet import Fernet

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DEBUG": "0", "SECRET_KEY": "load-" + Fernet.generate_key().decode(), "ALLOWED_HOSTS": "127.0.0.1",
        "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{args.redis_port}/1",
        "SECURE_SSL_REDIRECT": "0", "THROTTLE_ENABLED": "0", "LOG_LEVEL": "WARNING",
        "PULL_BUDGET_KEYS": str(args.budget), "FREE_PULLS_PER_DAY": "3",
        "VANIKEYS_VAR_DIR": str(work / "var"), "STATIC_ROOT": str(work / "static"),
        "LOAD_GRANT_TOKENS": "100000", "DB_CONN_MAX_AGE": "60",
    }
    processes = [redis]
    try:
        sh(PY, "manage.py", "migrate", "--noinput", "-v", "0", env=env)
        web = start([PY, "-m", "gunicorn", "vanikeys_site.wsgi:application", "-b", f"127.0.0.1:{args.port}",
                     "-w", str(args.web_workers), "--timeout", "60"], {**env, "DJANGO_SETTINGS_MODULE": "bench.load_settings"},
                    work / "web.log")
        processes.append(web)
        for index in range(args.workers):
            processes.append(start([PY, "-m", "celery", "-A", "vanikeys_site", "worker", "--concurrency=1",
                                    "--pool=prefork", f"--hostname=load{index}@%h", "--without-gossip",
                                    "--without-mingle", "--loglevel=WARNING"], env, work / f"worker{index}.log"))
        base = f"http://127.0.0.1:{args.port}"
        wait_http(f"{base}/healthz")
        prefix = work / "locust"
        started = time.time()
        run = sh(PY, "-m", "locust", "-f", "bench/locustfile.py", "--headless", "-u", str(args.users),
                 "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "-H", base, "--csv", str(prefix),
                 "--only-summary", "--pulls-per-user", str(args.pulls_per_user),
                 "--pull-every", str(args.seconds / args.pulls_per_user), "--stop-timeout", "10",
                 env={**os.environ, "LOAD_RUN": str(int(started))}, check=False)
        # Let the workers finish what was queued (bounded), then check the books.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and unsettled(env) > 0:
            time.sleep(2)
        ledger = sh(PY, "manage.py", "check_ledger", "--json", env=env, check=False)
        counts = pull_counts(env)
    finally:
        for process in reversed(processes):
            stop(process)

    stats = stats_of(prefix)
    per_call = {
        name: {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
               "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0), "p99_ms": float(row["99%"] or 0),
               "rps": float(row["Requests/s"] or 0)}
        for name, row in stats.items()
    }
    server_errors = 0
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with failures_csv.open() as handle:
            for row in csv.DictReader(handle):
                if "50" in row["Error"][:4] or "HTTPError('5" in row["Error"]:
                    server_errors += int(row["Occurrences"])
    web_5xx = sum(1 for line in (work / "web.log").read_text().splitlines() if '"level": "ERROR"' in line)
    enqueue, baseline = per_call.get(ENQUEUE, {}), per_call.get(BASELINE, {})
    ratio = enqueue.get("p95_ms", 0) / baseline["p95_ms"] if baseline.get("p95_ms") else None
    report = {
        "users": args.users, "seconds": args.seconds, "celery_workers": args.workers, "web_workers": args.web_workers,
        "budget_keys_per_pull": args.budget, "cpus": os.cpu_count(), "load_average_after": os.getloadavg(),
        "password_hasher": "PBKDF2, 20,000 iterations (bench/hashers.py)",
        "per_call": per_call, "server_errors": server_errors, "server_errors_logged": web_5xx,
        "enqueue_p95_ms": enqueue.get("p95_ms"), "baseline_p95_ms": baseline.get("p95_ms"),
        "enqueue_to_baseline_p95": round(ratio, 2) if ratio else None, "target_ratio": 2.0,
        "pulls": counts, "ledger_check_exit": ledger.returncode,
        "ledger": json.loads(ledger.stdout) if ledger.stdout.strip().startswith("{") else ledger.stdout[-2000:],
        "locust_exit": run.returncode,
    }
    out = results / f"locust-{int(started)}.json"
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k not in ("per_call", "ledger")}, indent=2))
    for name, row in per_call.items():
        print(f"{name:55} n={row['requests']:6} fail={row['failures']:4} p50={row['p50_ms']:7.0f} "
              f"p95={row['p95_ms']:7.0f} p99={row['p99_ms']:7.0f} ms")
    print(f"report: {out}")
    ok = server_errors == 0 and web_5xx == 0 and ledger.returncode == 0
    return 0 if ok else 1


def _query(env: dict, sql: str) -> str:
    return sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql, env.get("DATABASE_URL").rsplit("/", 1)[1]).stdout


def unsettled(env: dict) -> int:
    return int(_query(env, "SELECT count(*) FROM pulls_pull WHERE status IN ('queued', 'running')").strip() or 0)


def pull_counts(env: dict) -> dict[str, int]:
    rows = _query(env, "SELECT status, count(*) FROM pulls_pull GROUP BY status").split()
    return {status: int(count) for status, count in (row.split("|") for row in rows)}


if __name__ == "__main__":
    sys.exit(main())
