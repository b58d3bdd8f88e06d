"""Visible tests for login-session: run them with `grader test`."""

import uuid

import pytest


@pytest.mark.promises("register", "login", "me")
def test_register_login_me(client, new_client):
    """Register, log in from another client, and GET /me answers the username."""
    username = "u_" + uuid.uuid4().hex[:10]
    response = new_client().post("/register", json={"username": username, "password": "long enough"})
    assert response.status == 201, response.describe()
    assert response.json().get("username") == username, response.describe()
    response = client.post("/login", json={"username": username, "password": "long enough"})
    assert response.status == 200, response.describe()
    response = client.get("/me")
    assert response.status == 200 and response.json()["username"] == username, response.describe()


@pytest.mark.promises("me-401", "error-body")
def test_me_without_login(client):
    """GET /me without a session answers 401 with a JSON error."""
    response = client.get("/me")
    assert response.status == 401, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()


@pytest.mark.promises("password-rule", "register-bad")
def test_short_password(client):
    """A password under 8 characters answers 400."""
    response = client.post("/register", json={"username": "short_pw", "password": "1234567"})
    assert response.status == 400, response.describe()
