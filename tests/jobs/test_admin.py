"""Staff see each job with its chunks, workers and ledger entries, and can refund a job or
fail it, each with a reason that lands in the ledger."""
import pytest
from django.contrib import admin

from economy import selectors as wallet
from jobs import services
from jobs.models import Chunk, Job
from tests.jobs.factories import EASY, HARD, finish_job, make_job

pytestmark = pytest.mark.django_db


def test_jobs_and_chunks_are_registered_with_search_and_filters():
    for model in (Job, Chunk):
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields and model_admin.list_filter


def test_changelists_search_and_the_change_page_shows_chunks_workers_and_ledger(admin_client, rich_user, captured_enqueues):
    job = finish_job(make_job(rich_user, EASY))
    for url in ("/admin/jobs/job/", "/admin/jobs/chunk/"):
        assert admin_client.get(url).status_code == 200
        assert admin_client.get(url, {"q": rich_user.username}).status_code == 200
        assert admin_client.get(url, {"status": "done"}).status_code == 200
    body = admin_client.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert "Chunks" in body and "found" in body
    assert "test:1" in body  # the worker that ground it
    assert f"/admin/economy/ledgerentry/{job.spend_entry_id}/change/" in body
    assert "encrypted_seed" not in body


def test_fail_with_a_reason_refunds_in_full_and_refund_gives_back_what_is_left(admin_client, rich_user, staff, captured_enqueues):
    running, other = make_job(rich_user, HARD), make_job(rich_user, HARD)
    ask = admin_client.post("/admin/jobs/job/", {"action": "fail_jobs", "_selected_action": [running.pk]})
    assert ask.status_code == 200 and b'name="reason"' in ask.content  # the reason comes first
    assert Job.objects.get(pk=running.pk).status == "queued"

    done = admin_client.post("/admin/jobs/job/", {"action": "fail_jobs", "_selected_action": [running.pk], "apply": "1",
                                                  "reason": "operator: broken pattern"})
    assert done.status_code == 302
    running.refresh_from_db()
    assert running.status == "failed" and running.failure_reason == "operator: broken pattern"

    services.job_cancel(rich_user, public_id=other.public_id)  # nothing ground: refunded in full already
    admin_client.post("/admin/jobs/job/", {"action": "refund_jobs", "_selected_action": [other.pk], "apply": "1",
                                           "reason": "goodwill"})
    assert wallet.balance(rich_user) == 1_000_000
    refunds = wallet.transactions(rich_user).filter(kind="refund")
    assert refunds.count() == 2 and not refunds.filter(created_by=staff).exists()  # nothing was left to refund

    third = make_job(rich_user, HARD)
    admin_client.post("/admin/jobs/job/", {"action": "refund_jobs", "_selected_action": [third.pk], "apply": "1",
                                           "reason": "goodwill"})
    entry = wallet.transactions(rich_user).filter(kind="refund", created_by=staff).get()
    assert (entry.amount, entry.reason, entry.refunds_id) == (third.price_tokens, "goodwill", third.spend_entry_id)
