"""Visible tests for error-handler: run them with `grader test`."""

import pytest


@pytest.mark.promises("unknown", "json-type", "error-body")
def test_unknown_url(client):
    """An unknown URL answers the JSON 404."""
    response = client.get("/nope")
    assert response.status == 404, response.describe()
    assert response.mimetype == "application/json", response.describe()
    assert response.json() == {"error": "Not Found", "status": 404}, response.describe()


@pytest.mark.promises("admin", "json-type", "error-body")
def test_admin_forbidden(client):
    """GET /admin answers the JSON 403."""
    response = client.get("/admin")
    assert response.status == 403, response.describe()
    assert response.mimetype == "application/json", response.describe()
    assert response.json() == {"error": "Forbidden", "status": 403}, response.describe()


@pytest.mark.promises("divide")
def test_divide(client):
    """GET /divide?a=7&b=2 answers {"result": 3.5}."""
    response = client.get("/divide", params={"a": "7", "b": "2"})
    assert response.status == 200, response.describe()
    assert response.json() == {"result": 3.5}, response.describe()
