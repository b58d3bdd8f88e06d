"""Visible tests for json-post: run them with `grader test`."""

import pytest


@pytest.mark.promises("echo")
def test_data_echoes_object(client):
    """POST /api/data echoes a JSON object as {"received": ...}."""
    response = client.post("/api/data", json={"hello": "world"})
    assert response.status == 200, response.describe()
    assert response.json() == {"received": {"hello": "world"}}, response.describe()


@pytest.mark.promises("methods")
def test_data_get_not_allowed(client):
    """GET /api/data answers 405."""
    response = client.get("/api/data")
    assert response.status == 405, response.describe()


@pytest.mark.promises("create")
def test_create_user(client):
    """POST /api/users creates a user (201) with a positive integer id."""
    response = client.post("/api/users", json={"name": "Ada", "email": "ada@example.com"})
    assert response.status == 201, response.describe()
    user = response.json()
    assert isinstance(user.get("id"), int) and user["id"] > 0, response.describe()
    assert user.get("name") == "Ada" and user.get("email") == "ada@example.com", response.describe()


@pytest.mark.promises("user-missing", "error-body")
def test_create_user_without_email(client):
    """POST /api/users without an email answers 400 with a JSON error."""
    response = client.post("/api/users", json={"name": "Ada"})
    assert response.status == 400, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()
