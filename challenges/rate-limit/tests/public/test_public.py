"""Visible tests for rate-limit: run them with `grader test`."""

import uuid

import pytest


@pytest.mark.promises("quote", "headers")
def test_quote(client):
    """GET /api/quote answers {"quote": ...} with the X-RateLimit headers."""
    response = client.get("/api/quote", headers={"X-Client-Id": uuid.uuid4().hex})
    assert response.status == 200, response.describe()
    assert isinstance(response.json().get("quote"), str), response.describe()
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert name in response.headers, f"no {name} header: {response.describe()}"


@pytest.mark.promises("limit", "over-limit", "retry-after")
def test_sixth_request_refused(client):
    """With the default RATE_LIMIT (5), a client's 6th request answers 429 with Retry-After."""
    client_id = uuid.uuid4().hex
    statuses = [client.get("/api/quote", headers={"X-Client-Id": client_id}).status for _ in range(5)]
    assert statuses == [200] * 5, statuses
    response = client.get("/api/quote", headers={"X-Client-Id": client_id})
    assert response.status == 429, response.describe()
    assert "Retry-After" in response.headers, response.describe()


@pytest.mark.promises("health")
def test_health(client):
    """GET /health answers {"status": "ok"}."""
    response = client.get("/health")
    assert response.status == 200, response.describe()
    assert response.json() == {"status": "ok"}, response.describe()
