"""Visible tests for conditional-get: run them with `grader test`."""

import pytest


@pytest.mark.promises("get")
def test_get_article(client):
    """GET /articles/1 answers the article as JSON."""
    response = client.get("/articles/1")
    assert response.status == 200, response.describe()
    article = response.json()
    assert article.get("id") == 1 and isinstance(article.get("title"), str), response.describe()


@pytest.mark.promises("inm-match", "not-modified-answer")
def test_etag_and_304(client):
    """GET /articles/1 has an ETag; sending it back in If-None-Match answers 304."""
    tag = client.get("/articles/1").headers.get("ETag")
    assert tag, "GET /articles/1 has no ETag header"
    response = client.get("/articles/1", headers={"If-None-Match": tag})
    assert response.status == 304, response.describe()
    assert response.headers.get("ETag") == tag, dict(response.headers)


@pytest.mark.promises("put-428")
def test_put_needs_if_match(client):
    """PUT without If-Match answers 428 with a JSON error."""
    response = client.put("/articles/3", json={"title": "New", "body": "Text"})
    assert response.status == 428, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()
