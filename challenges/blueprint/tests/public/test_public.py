"""Visible tests for blueprint: run them with `grader test`."""

import pytest


@pytest.mark.promises("ping")
def test_ping(client):
    """GET /api/v1/ping answers {"pong": true}."""
    response = client.get("/api/v1/ping")
    assert response.status == 200, response.describe()
    data = response.json()
    assert isinstance(data, dict) and data.get("pong") is True, response.describe()


@pytest.mark.promises("books")
def test_books_list(client):
    """GET /api/v1/books answers a JSON list of at least two books."""
    response = client.get("/api/v1/books")
    assert response.status == 200, response.describe()
    books = response.json()
    assert isinstance(books, list) and len(books) >= 2, response.describe()


@pytest.mark.promises("blueprints")
def test_blueprints_registered(app_facts):
    """The app registers blueprints named api and admin."""
    names = app_facts["blueprints"]
    assert "api" in names and "admin" in names, f"registered blueprints: {names}"
