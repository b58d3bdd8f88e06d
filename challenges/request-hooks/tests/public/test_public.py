"""Visible tests for request-hooks: run them with `grader test`."""

import re

import pytest

CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.promises("health")
def test_health(client):
    """GET /health answers {"status": "ok"} without a key."""
    response = client.get("/health")
    assert response.status == 200, response.describe()
    assert response.json() == {"status": "ok"}, response.describe()


@pytest.mark.promises("id-new", "id-echo")
def test_request_id_header(client):
    """A response carries a canonical X-Request-ID, and echoes a canonical one sent."""
    response = client.get("/health")
    assert CANONICAL.fullmatch(response.headers.get("X-Request-ID") or ""), response.describe()
    sent = "123e4567-e89b-12d3-a456-426614174000"
    response = client.get("/health", headers={"X-Request-ID": sent})
    assert response.headers.get("X-Request-ID") == sent, response.describe()


@pytest.mark.promises("key-401", "counter-get")
def test_counter_needs_the_key(client, app_env):
    """/api/counter answers 401 without the key and a value with it."""
    assert client.get("/api/counter").status == 401
    response = client.get("/api/counter", headers={"X-API-Key": app_env["API_KEY"]})
    assert response.status == 200, response.describe()
    assert isinstance(response.json().get("value"), int), response.describe()
