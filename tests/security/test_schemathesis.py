"""The API against its own OpenAPI schema, fuzzed with schemathesis: generated requests to
every operation, anonymous and with a bearer token, never get a 5xx, and every answer
(errors included) matches what the schema says: status, content type, headers, body.

Bounded to a few examples an operation so it runs in CI in about a minute; set
``SCHEMATHESIS_MAX_EXAMPLES`` for a longer run (e.g. 200 before a release)."""
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from economy import services as economy
from tests.factories import ApiTokenFactory
from tests.payments.conftest import stripe_standin  # noqa: F401  (a fixture: Stripe at a local stand-in)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
FUZZ = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests every run: a CI failure reproduces locally
    suppress_health_check=list(HealthCheck),
    database=None,
)


DJANGO = get_wsgi_application()


def application(environ, start_response):
    """Django as gunicorn serves it: a WSGI server always says who the client is."""
    environ.setdefault("REMOTE_ADDR", "203.0.113.9")
    return DJANGO(environ, start_response)


# Loaded once at collection, through the app itself (no database needed for the schema).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def services(db, settings, stripe_standin):  # noqa: F811
    settings.THROTTLE_ENABLED = settings.RATELIMIT_ENABLE = False  # rate limits are tested elsewhere
    # As Django's test client does: the end of a request must not close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(user, pull_prices):
    economy.wallet_grant(user, amount=10**7, reason="fuzzing", created_by=None)
    return {"Authorization": f"Bearer {ApiTokenFactory(user=user).token}"}


# Every check but one: "schema-valid data is accepted" cannot hold here, because the schema
# states types while the services hold the rules (a pattern a format can never show is a
# 422, a page past the last a 400, an unconfirmed age a 400, an unsigned webhook a 400):
# those answers are documented and in the error shape, which the other checks verify.
EXCLUDED = [positive_data_acceptance]


@schema.parametrize()
@FUZZ
def test_anonymous_calls_match_the_schema(case):
    case.call_and_validate(excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ
def test_authenticated_calls_match_the_schema(case, bearer):
    case.call_and_validate(headers=bearer, excluded_checks=EXCLUDED)
