"""Visible tests for hello-world: run them with `grader test`."""

import pytest


@pytest.mark.promises("index")
def test_index(client):
    """GET / answers Hello, World!"""
    response = client.get("/")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, World!"


@pytest.mark.promises("hello")
def test_hello_name(client):
    """GET /hello/Ada greets Ada."""
    response = client.get("/hello/Ada")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, Ada!"
