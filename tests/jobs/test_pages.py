"""Guaranteed-job pages: the /app offer and confirm step, the live job page (usable without
JavaScript), cancel with its refund shown first, key custody, history, the spark meter."""
import re
import uuid

import pytest
from django.test import Client

from economy import selectors as wallet
from economy import services as economy
from jobs.models import Job
from tests.factories import FundedUserFactory, PullFactory, use_up_free_pulls
from tests.jobs.factories import EASY, HARD, finish_job, make_job

pytestmark = pytest.mark.django_db

GO_BE_42 = {"pattern": "GO BE 42", "format": "did:key", "anchor": "anywhere", "mode": "words", "fuzzy": "on"}


@pytest.fixture
def owner(db):
    return FundedUserFactory(tokens=1_000_000)


@pytest.fixture
def page(owner, client_of) -> Client:
    return client_of(owner)


def text(response) -> str:
    html = response.content.decode()
    assert "{#" not in html and "{%" not in html, "a template tag or comment leaked into the page"
    return re.sub(r"\s+", " ", html)


def test_the_app_page_has_the_guaranteed_offer_next_to_pull_and_a_no_javascript_button(page):
    body = text(page.get("/app"))
    assert 'id="guaranteed-offer"' in body and "/app/guaranteed/offer" in body
    assert '<noscript><button type="submit" class="ghost" formaction="/app/guaranteed">' in body


def test_the_offer_shows_the_price_figures_and_spark_meter(page):
    body = text(page.post("/app/guaranteed/offer", GO_BE_42))
    assert "Guaranteed — <span data-testid=\"guaranteed-price\">100</span> tokens" in body
    assert "half of all jobs need fewer than" in body and "99% fewer than" in body and "keys/s" in body
    assert 'data-testid="spark-meter"' in body and "0 / 100 tokens" in body


def test_anonymous_visitors_see_the_price_and_a_sign_up_link(client):
    body = text(client.post("/app/guaranteed/offer", GO_BE_42))
    assert "Guaranteed — 100 tokens" in body and "/accounts/signup/" in body and "spark-meter" not in body


def test_the_offer_refuses_regex_and_infeasible_patterns_with_why_and_what_to_change(page):
    regex = text(page.post("/app/guaranteed/offer", {**GO_BE_42, "pattern": "^ab", "mode": "regex"}))
    assert "Guaranteed — not offered" in regex and "regular expressions" in regex
    hard = text(page.post("/app/guaranteed/offer", {**GO_BE_42, "pattern": "GO BE AWE SOME"}))
    assert "Too hard for a guaranteed job" in hard and 'data-testid="suggestion"' in hard
    assert "/app?pattern=" in hard
    assert text(page.post("/app/guaranteed/offer", {**GO_BE_42, "pattern": "GO", "fuzzy": ""})).strip() == ""


def test_confirming_shows_price_figures_and_balance_then_pays_and_opens_the_job(page, owner, captured_enqueues):
    confirm = text(page.post("/app/guaranteed", GO_BE_42))
    assert 'data-testid="confirm-price">100</strong>' in confirm
    assert "1,000,000 → 999,900" in confirm and "99% of jobs within" in confirm
    assert 'name="price_tokens" value="100"' in confirm and not Job.objects.exists()

    response = page.post("/jobs/create", {**GO_BE_42, "price_tokens": "100"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.public_id}"
    assert wallet.balance(owner) == 1_000_000 - 100
    htmx = page.post("/jobs/create", {**GO_BE_42, "price_tokens": "100"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/jobs/")


def test_the_confirm_step_opens_in_place_with_htmx(page):
    body = text(page.post("/app/guaranteed", GO_BE_42, headers={"HX-Request": "true"}))
    assert body.lstrip().startswith('<div class="card confirm" data-testid="job-confirm">')


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({**GO_BE_42, "price_tokens": ""}, 400, "confirm the price"),
        ({**GO_BE_42, "price_tokens": "²"}, 400, "confirm the price"),  # a digit to isdigit(), not to int()
        ({**GO_BE_42, "price_tokens": "1e3"}, 400, "confirm the price"),
        ({**GO_BE_42, "price_tokens": "99"}, 409, "is now 100 tokens"),
        ({**GO_BE_42, "pattern": "", "price_tokens": "100"}, 400, "pattern"),
        ({**GO_BE_42, "mode": "regex", "pattern": "^a", "price_tokens": "100"}, 422, "regular expressions"),
        ({**GO_BE_42, "format": "nope", "price_tokens": "100"}, 400, "format"),
    ],
)
def test_bad_create_forms_are_refused_on_a_page_and_change_nothing(page, owner, captured_enqueues, form, status, says):
    response = page.post("/jobs/create", form)
    assert response.status_code == status and says in text(response)
    assert not Job.objects.exists() and wallet.balance(owner) == 1_000_000


def test_too_few_tokens_says_so_before_and_at_paying(client_of, captured_enqueues):
    poor = FundedUserFactory(tokens=50)
    page = client_of(poor)
    confirm = text(page.post("/app/guaranteed", GO_BE_42))
    assert "this needs 100, you have 50." in confirm and 'data-testid="confirm-job"' not in confirm
    response = page.post("/jobs/create", {**GO_BE_42, "price_tokens": "100"})
    assert response.status_code == 402 and "Buy tokens" in text(response) and not Job.objects.exists()


def test_pages_need_a_log_in_and_forms_a_csrf_token(owner, client):
    assert client.post("/app/guaranteed", GO_BE_42).status_code == 302
    assert client.get(f"/jobs/{uuid.uuid4()}").status_code == 302
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post("/jobs/create", {**GO_BE_42, "price_tokens": "100"}).status_code == 403
    assert not Job.objects.exists()


def test_a_running_job_page_refreshes_itself_with_or_without_javascript(page, owner, captured_enqueues):
    job = make_job(owner, HARD)
    body = text(page.get(f"/jobs/{job.public_id}"))
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in body
    assert f'hx-get="/jobs/{job.public_id}/panel" hx-trigger="every 1s"' in body
    for figure in ("job-keys", "job-rate", "job-workers", "job-p-found", "job-matches-per-hour"):
        assert f'data-testid="{figure}"' in body
    assert f"Cancel — {job.price_tokens:,} tokens back" in body
    assert "every 1s" in text(page.get(f"/jobs/{job.public_id}/panel"))


def test_a_done_job_shows_its_result_and_the_key_in_every_encoding(page, owner, captured_enqueues):
    job = finish_job(make_job(owner, EASY))
    body = text(page.get(f"/jobs/{job.public_id}"))
    assert "http-equiv" not in body and "hx-trigger" not in body.split('id="job-panel"')[1].split(">")[0]
    assert 'data-testid="job-notice"' in body and "Found it: an exact match" in body
    assert 'data-testid="job-result"' in body and "<mark>xyz</mark>" in body and "★ 1/1" in body
    reveal = text(page.get(f"/jobs/{job.public_id}/key"))
    for filename in ("id_ed25519", "private.pkcs8.pem", "private.jwk.json", "seed.hex", "did.json"):
        assert f'data-testid="download-{filename}"' in reveal
    download = page.get(f"/jobs/{job.public_id}/key/id_ed25519")
    assert download.status_code == 200 and b"OPENSSH PRIVATE KEY" in download.content
    assert download["Content-Disposition"] == 'attachment; filename="id_ed25519"'
    assert "no-cache" in download["Cache-Control"]
    assert page.get(f"/jobs/{job.public_id}/key/nope").status_code == 404

    page.post(f"/jobs/{job.public_id}/erase")
    assert "Private key erased." in text(page.get(f"/jobs/{job.public_id}"))
    assert page.get(f"/jobs/{job.public_id}/key").status_code == 404


def test_another_users_job_pages_are_404(page, captured_enqueues):
    theirs = finish_job(make_job(FundedUserFactory(tokens=100_000), EASY))
    for url in (f"/jobs/{theirs.public_id}", f"/jobs/{theirs.public_id}/panel", f"/jobs/{theirs.public_id}/key",
                f"/jobs/{theirs.public_id}/key/id_ed25519", f"/jobs/{theirs.public_id}/cancel"):
        assert page.get(url).status_code == 404, url
    assert page.post(f"/jobs/{theirs.public_id}/erase").status_code == 404
    assert Job.objects.get(pk=theirs.pk).has_key


def test_cancel_shows_the_refund_first_and_a_second_cancel_changes_nothing(page, owner, captured_enqueues):
    job = make_job(owner, HARD)
    confirm = text(page.get(f"/jobs/{job.public_id}/cancel"))
    assert f'data-testid="cancel-refund">{job.price_tokens:,}</strong>' in confirm
    assert page.post(f"/jobs/{job.public_id}/cancel")["Location"] == f"/jobs/{job.public_id}"
    assert page.post(f"/jobs/{job.public_id}/cancel").status_code == 302
    assert wallet.balance(owner) == 1_000_000
    assert "Cancelled" in text(page.get(f"/jobs/{job.public_id}")) and "nothing to cancel" in text(page.get(f"/jobs/{job.public_id}/cancel"))


def test_history_lists_jobs_next_to_pulls(page, owner, captured_enqueues, pull_prices):
    done = finish_job(make_job(owner, EASY))
    make_job(owner, HARD)
    PullFactory(user=owner, pattern="ab")
    body = text(page.get("/history"))
    assert body.count('data-testid="job-history-row"') == 2 and f'href="/jobs/{done.public_id}"' in body
    assert "exact match" in body and 'data-testid="history-row"' in body


def test_a_pull_result_shows_its_patterns_spark_meter_and_a_full_one_converts_in_one_click(page, owner, captured_enqueues):
    use_up_free_pulls(owner)
    pulls = [PullFactory(user=owner, pattern="GO BE 42", fuzzy=True, finished=True)]
    meter_url = f"/app/spark/pulls/{pulls[0].public_id}"
    assert f'hx-get="{meter_url}"' in text(page.get(f"/pulls/{pulls[0].public_id}"))  # the result loads its meter
    body = text(page.get(meter_url, headers={"HX-Request": "true"}))
    assert 'data-testid="spark-meter"' in body and "100 / 100 tokens" in body
    assert 'data-testid="spark-convert"' in body and 'action="/app/spark"' in body
    assert 'id="offer-spark" hx-swap-oob="true"' in body  # the /app offer's meter moves with it
    offer = text(page.post("/app/guaranteed/offer", GO_BE_42))
    assert 'formaction="/app/spark"' in offer

    balance = wallet.balance(owner)
    response = page.post("/app/spark", GO_BE_42)
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.public_id}" and job.paid_with == "spark"
    assert wallet.balance(owner) == balance
    again = page.post("/app/spark", GO_BE_42)
    assert again.status_code == 409 and Job.objects.count() == 1
    assert "0 / 100 tokens" in text(page.get(meter_url))


def test_a_pull_results_spark_meter_is_the_owners_alone(page, owner, other_user, captured_enqueues):
    theirs = PullFactory(user=other_user, pattern="GO BE 42", fuzzy=True, finished=True)
    assert page.get(f"/app/spark/pulls/{theirs.public_id}").status_code == 404
    assert Client().get(f"/app/spark/pulls/{theirs.public_id}").status_code == 204  # nothing to swap in
    regex = PullFactory(user=owner, pattern="^ab", mode="regex", finished=True)
    assert page.get(f"/app/spark/pulls/{regex.public_id}").status_code == 204  # no guaranteed offer, no meter


def test_the_confirm_step_is_rate_limited_like_the_offer(page, settings, captured_enqueues):
    settings.THROTTLE_ODDS_RATE = "2/m"
    assert [page.post("/app/guaranteed", GO_BE_42).status_code for _ in range(2)] == [200, 200]
    refused = page.post("/app/guaranteed", GO_BE_42)
    assert refused.status_code == 429 and not Job.objects.exists()


def test_the_confirm_step_says_when_a_spending_limit_would_refuse_the_price(page, owner, captured_enqueues):
    economy.wallet_set_limits(owner, per_day=60, per_month=None)
    confirm = text(page.post("/app/guaranteed", GO_BE_42))
    assert "spending limit of 60 tokens" in confirm and 'data-testid="confirm-job"' not in confirm
    assert page.post("/jobs/create", {**GO_BE_42, "price_tokens": "100"}).status_code == 402  # as paying would


def test_a_10x_pull_loads_its_spark_meter_once_and_a_flood_of_loads_is_left_out(page, owner, settings, captured_enqueues):
    from patterns.engine import PatternSpec
    from pulls import services as pulls

    batch = pulls.pull_start(owner, spec=PatternSpec(pattern="GO BE 42", fuzzy=True), count=10)
    for pull in batch:
        pulls.pull_execute(pull.pk)
    body = text(page.get(f"/pulls/{batch[0].public_id}"))
    assert body.count('data-testid="spark-loader"') == 1  # under the best tile, not ten times

    settings.THROTTLE_ODDS_RATE = "1/m"
    meter_url = f"/app/spark/pulls/{batch[0].public_id}"
    assert page.get(meter_url).status_code == 200
    assert page.get(meter_url).status_code == 204  # over the rate: no meter, no error in the panel


def test_the_history_page_reads_its_jobs_in_a_fixed_number_of_queries(page, owner, captured_enqueues):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_history() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page.get("/history").status_code == 200
        return len(captured)

    first = make_job(owner, HARD)
    services_cancel(owner, first)
    one = queries_for_history()
    for _ in range(4):
        services_cancel(owner, make_job(owner, HARD))
    body = text(page.get("/history"))
    assert body.count('data-testid="job-history-row"') == 5 and "back)" in body  # each shows its refund
    assert queries_for_history() == one  # not one more per job


def services_cancel(user, job):
    from jobs import services

    return services.job_cancel(user, public_id=job.public_id)
