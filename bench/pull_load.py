"""Load check for PRODUCT.md §11: N users enqueue a pull at the same moment.

Run against a server you started on this machine with throttling off, e.g.
    THROTTLE_ENABLED=0 DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… \
        .venv/bin/gunicorn vanikeys_site.wsgi -w 4 -b 127.0.0.1:8010
    .venv/bin/python -m bench.pull_load --url http://127.0.0.1:8010 --users 100

It registers N users, then fires N concurrent `GET /api/tokens/balance` (the baseline: an
authenticated call that only reads) and N concurrent `POST /api/pulls/execute`, and prints
the latencies of both with their ratio, plus correctness: every user got exactly one pull
accepted (their free pull), no 5xx. Only loopback URLs are accepted.
"""
import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlparse

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def call(url: str, method: str = "GET", body: dict | None = None, token: str | None = None) -> tuple[int, dict, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, payload = response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        status, payload = error.code, json.loads(error.read() or b"{}")
    return status, payload, time.perf_counter() - started


def register(base: str, run: str, index: int) -> str:
    name = f"load{run}{index}"
    password = f"load test passphrase {run}"
    user = {"username": name, "email": f"{name}@example.com", "password": password, "confirm_age": True, "accept_terms": True}
    status, payload, _ = call(f"{base}/auth/register", "POST", user)
    if status != 201:
        sys.exit(f"registering {name} failed: {status} {payload}")
    return call(f"{base}/auth/login", "POST", {"username": name, "password": password})[1]["token"]


def all_at_once(tokens: list[str], request) -> list[tuple[int, dict, float]]:
    """Run request(token) for every token in its own thread, released together."""
    results: list = [None] * len(tokens)
    gate = threading.Barrier(len(tokens))

    def worker(index: int, token: str) -> None:
        gate.wait()
        results[index] = request(token)

    threads = [threading.Thread(target=worker, args=pair) for pair in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def summary(results: list) -> dict:
    latencies = sorted(result[2] for result in results)
    return {
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "statuses": {str(s): sum(1 for r in results if r[0] == s) for s in sorted({r[0] for r in results})},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8010")
    parser.add_argument("--users", type=int, default=100)
    args = parser.parse_args()
    if urlparse(args.url).hostname not in LOOPBACK:
        sys.exit("bench/pull_load.py only targets a server on this machine (loopback)")
    base, run = args.url.rstrip("/"), uuid.uuid4().hex[:6]
    print(f"registering {args.users} users …", file=sys.stderr)
    tokens = [register(base, run, index) for index in range(args.users)]
    baseline = all_at_once(tokens, lambda token: call(f"{base}/api/tokens/balance", token=token))
    pulls = all_at_once(tokens, lambda token: call(f"{base}/api/pulls/execute", "POST", {"pattern": "ab"}, token))
    accepted = sum(1 for status, _, _ in pulls if status == 202)
    after = [call(f"{base}/api/tokens/balance", token=token)[1] for token in tokens]
    report = {
        "users": args.users,
        "baseline_balance": summary(baseline),
        "execute_pull": summary(pulls),
        "ratio_p50": round(summary(pulls)["p50_ms"] / summary(baseline)["p50_ms"], 2),
        "ratio_p95": round(summary(pulls)["p95_ms"] / summary(baseline)["p95_ms"], 2),
        "correct": accepted == args.users
        and all(item["free_pulls_left"] == 2 for item in after)
        and not any(status >= 500 for status, _, _ in pulls + baseline),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
