"""/healthz: 200 when the database and the broker answer, else 503 naming which failed."""
import pytest
from django.test import Client

from vanikeys_site import health
from vanikeys_site.celery import app

pytestmark = pytest.mark.django_db


def test_healthy():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_a_broker_that_does_not_answer_is_a_503_naming_it(monkeypatch):
    for name in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, name, "redis://127.0.0.1:1/0")  # nothing listens there
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_a_database_that_fails_is_a_503_naming_it(monkeypatch):
    def down():
        raise ConnectionError("connection to 10.0.0.5:5432 refused")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "10.0.0.5" not in response.content.decode()  # the reason goes to the log only


def test_any_host_and_head_work():
    assert Client().get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200
    head = Client().head("/healthz")
    assert head.status_code == 200 and head.content == b""
