"""The success page and several webhook deliveries at the same moment, in separate
threads with their own database connections: one credit (PostgreSQL row locks)."""
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from economy import selectors as economy
from payments import services
from tests.payments.conftest import post_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_success_page_racing_webhooks_credits_once(stripe_standin, user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    purchase = services.purchase_start(user, pack="popular", success_url="http://testserver/pricing/success?session_id={CHECKOUT_SESSION_ID}",
                                       cancel_url="http://testserver/pricing/cancel")
    events = stripe_standin.pay(purchase.checkout_session_id)
    completed = events[-1]
    barrier = threading.Barrier(4)
    results: list = []

    def run(job):
        try:
            barrier.wait(timeout=10)
            results.append(job())
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    def success_page():
        client = Client()
        client.force_login(user)
        return client.get("/pricing/success", {"session_id": purchase.checkout_session_id}).status_code

    jobs = [success_page, lambda: post_event(completed).status_code, lambda: post_event(completed).status_code,
            lambda: post_event(events[0]).status_code]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str) == [200, 200, 200, 200], results
    assert economy.balance(user) == 500
    assert economy.transactions(user).count() == 1
