"""Visible tests for factory-config: run them with `grader test`."""

import pytest


@pytest.mark.promises("defaults", "config")
def test_config_defaults(client):
    """GET /config answers the default settings."""
    response = client.get("/config")
    assert response.status == 200, response.describe()
    assert response.json() == {"greeting": "Hello", "max_items": 10}, response.describe()


@pytest.mark.promises("greet")
def test_greet(client):
    """GET /greet/Ann answers {"message": "Hello, Ann!"}."""
    response = client.get("/greet/Ann")
    assert response.status == 200, response.describe()
    assert response.json() == {"message": "Hello, Ann!"}, response.describe()


@pytest.mark.promises("items", "items-400")
def test_items(client):
    """GET /items?n=3 answers [1, 2, 3]; n=0 answers 400."""
    response = client.get("/items", params={"n": "3"})
    assert response.status == 200, response.describe()
    assert response.json() == {"items": [1, 2, 3]}, response.describe()
    assert client.get("/items", params={"n": "0"}).status == 400


@pytest.mark.promises("env", "greet")
def test_env_greeting(app_with_env):
    """An instance started with APP_GREETING=Bonjour greets with Bonjour."""
    other = app_with_env({"APP_GREETING": "Bonjour"})
    response = other.get("/greet/Ann")
    assert response.json() == {"message": "Bonjour, Ann!"}, response.describe()
