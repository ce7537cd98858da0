"""Helpers for the security pack: JSON calls, clients at distinct client addresses."""
import json

import pytest
from django.test import Client


def post_json(client: Client, path: str, body, method: str = "POST", **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.generic(method, path, data=data, content_type="application/json", headers=headers)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    payload = response.json()
    assert set(payload) == {"error", "message"} and payload["message"], payload
    if code:
        assert payload["error"] == code, payload
    return payload


@pytest.fixture
def client_at():
    """A client whose requests come from a given address (REMOTE_ADDR), e.g. ``client_at(7)``."""

    def make(n: int, **kwargs) -> Client:
        return Client(REMOTE_ADDR=f"198.51.100.{n}", **kwargs)

    return make
