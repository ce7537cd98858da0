"""Locust users for bench/locust_load.py: each signs up, logs in, then estimates, pulls and
polls its pull until done, with a read-only call (the balance) measured in the same run as
the baseline the enqueue call is compared with. Grants come from the runner (tokens are
given to every load user before the run, so pulls are paid, not refused).

Each user's pulls are spread over the whole run (one every ``--pull-every`` seconds, the
first at a random moment of the first interval), so the enqueue calls meet the same
conditions as the baseline's: the sign-up wave, busy grinders and quiet spells alike. Left
to the task weights, all of them would land in the first half minute, under the sign-ups,
while most baseline calls come later, and the ratio would compare two different moments."""
import os
import random
import time
import uuid

from locust import HttpUser, between, events, task

PASSWORD = "load test passphrase 2026"
PATTERNS = ["AB", "CAFE", "BE AWE", "ZAP", "SUN BE", "KEY"]
RUN = os.environ.get("LOAD_RUN", uuid.uuid4().hex[:6])


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--pulls-per-user", type=int, default=5, help="pulls each user makes, spread over the run")
    parser.add_argument("--pull-every", type=float, default=36.0, help="seconds between one user's pulls")


class Customer(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        name = f"ld{RUN}{uuid.uuid4().hex[:10]}"
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD,
                "confirm_age": True, "accept_terms": True}
        self.client.post("/auth/register", json=body, name="/auth/register")
        token = self.client.post("/auth/login", json={"username": name, "password": PASSWORD},
                                 name="/auth/login").json()["token"]
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.pending: list[str] = []
        self.pulls_left = self.environment.parsed_options.pulls_per_user
        self.pull_every = self.environment.parsed_options.pull_every
        self.next_pull_at = time.monotonic() + random.uniform(0, self.pull_every)

    @task(3)
    def balance(self) -> None:
        self.client.get("/api/tokens/balance", name="GET /api/tokens/balance (read-only baseline)")

    @task(2)
    def estimate(self) -> None:
        self.client.post("/api/patterns/estimate", json={"pattern": random.choice(PATTERNS), "case_insensitive": True},
                         name="POST /api/patterns/estimate")

    @task(2)
    def pull(self) -> None:
        if self.pulls_left <= 0 or time.monotonic() < self.next_pull_at:
            return
        self.next_pull_at += self.pull_every
        with self.client.post("/api/pulls/execute", json={"pattern": random.choice(PATTERNS), "case_insensitive": True},
                              name="POST /api/pulls/execute (enqueue)", catch_response=True) as response:
            if response.status_code == 202:
                self.pending.append(response.json()["id"])
                self.pulls_left -= 1
                response.success()
            elif response.status_code in (402, 429):
                response.success()  # refused cleanly: out of tokens or over the rate, not an error
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(4)
    def poll(self) -> None:
        if not self.pending:
            return
        pull_id = self.pending[0]
        body = self.client.get(f"/api/pulls/{pull_id}", name="GET /api/pulls/{id} (poll)").json()
        if body.get("status") in ("done", "failed"):
            self.pending.pop(0)
