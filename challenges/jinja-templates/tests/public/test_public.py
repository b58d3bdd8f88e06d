"""Visible tests for jinja-templates: run them with `grader test`."""

import pytest


@pytest.mark.promises("about")
def test_about(client):
    """GET /about answers an HTML page with <h1>About</h1>."""
    response = client.get("/about")
    assert response.status == 200, response.describe()
    headings = [h1.text for h1 in response.html().find_all("h1")]
    assert "About" in headings, f"<h1> texts: {headings}: {response.describe()}"


@pytest.mark.promises("index-title")
def test_index_title(client):
    """GET / has the <title> Articles."""
    title = client.get("/").html().find("title")
    assert title is not None and title.text == "Articles", f"<title>: {title and title.text!r}"


@pytest.mark.promises("base-template", "longdate")
def test_structure(app_facts):
    """A base.html template and a longdate filter exist."""
    assert "base.html" in app_facts["templates"], f"templates: {app_facts['templates']}"
    assert "longdate" in app_facts["jinja_filters"], "no Jinja filter named longdate"
