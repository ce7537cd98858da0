"""Pulls are known outside by a random public id (a UUID), never by the global counter the
database uses inside: URLs, API answers, ledger references."""
import uuid

import pytest
from django.test import Client

from economy import selectors as wallet
from pulls.models import Pull

from .conftest import post_json

pytestmark = pytest.mark.django_db


def test_the_api_and_pages_use_public_ids(api_client, client_of, user, finished_pull, pull_prices,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        started = post_json(api_client, "/api/pulls/execute", {"pattern": "ab", "case_insensitive": True}).json()
    uuid.UUID(started["id"])
    pull = Pull.objects.get(public_id=started["id"])
    assert str(pull.pk) != started["id"]
    assert api_client.get(f"/api/pulls/{started['id']}").json()["id"] == started["id"]
    assert api_client.get(f"/api/pulls/{pull.pk}").status_code == 404  # the integer key is not an id

    done = finished_pull()
    history = api_client.get("/api/pulls/history").json()["items"]
    assert {item["id"] for item in history} == {started["id"], str(done.public_id)}
    page = client_of(user).get("/history").content.decode()
    assert f"/pulls/{done.public_id}" in page and f'/pulls/{done.pk}"' not in page
    assert client_of(user).get(f"/pulls/{done.pk}").status_code == 404


def test_a_refund_references_the_public_id(user, client_of, pull_prices):
    from pulls import services
    from tests.factories import PullFactory

    pull = PullFactory(user=user)
    services.pull_fail(pull.pk, reason="test")
    references = [entry.reference for entry in wallet.transactions(user)]
    assert f"pull:{pull.public_id}" in references
    assert f"pull:{pull.pk}" not in references
    account = client_of(user).get("/account").content.decode()
    assert account.count(f'href="/pulls/{pull.public_id}"') == 2  # what paid for it, and its refund


def test_anyone_elses_public_id_is_a_404(api_client, other_user, finished_pull):
    theirs = finished_pull(owner=other_user)
    assert api_client.get(f"/api/pulls/{theirs.public_id}").status_code == 404
    assert Client().get(f"/api/pulls/{uuid.uuid4()}").status_code == 401


def test_jobs_are_known_by_public_ids_and_numbered_per_user(api_client, api_client_of, client_of, user, other_user,
                                                            django_capture_on_commit_callbacks):
    from economy import services as economy
    from jobs.models import Job

    economy.wallet_grant(user, amount=10_000, reason="test", created_by=None)
    economy.wallet_grant(other_user, amount=10_000, reason="test", created_by=None)
    theirs = post_json(api_client_of(other_user), "/api/jobs/create", {"pattern": "ab", "case_insensitive": True}).json()
    mine = [post_json(api_client, "/api/jobs/create", {"pattern": "ab", "case_insensitive": True}).json()
            for _ in range(2)]

    assert [job["number"] for job in mine] == [1, 2] and theirs["number"] == 1  # a user's own count
    for job in mine:
        row = Job.objects.get(public_id=uuid.UUID(job["id"]))
        assert api_client.get(f"/api/jobs/{job['id']}").json()["id"] == job["id"]
        assert api_client.get(f"/api/jobs/{row.pk}").status_code == 404  # the integer key is not an id
        assert client_of(user).get(f"/jobs/{row.pk}").status_code == 404
    assert api_client.get(f"/api/jobs/{theirs['id']}").status_code == 404

    references = {entry.reference for entry in wallet.transactions(user)}
    assert {f"job:{job['id']}" for job in mine} <= references
    account = client_of(user).get("/account").content.decode()
    assert f'/jobs/{mine[1]["id"]}"' in account and "Guaranteed job #2" in account
