"""Hidden tests for hello-world. Each checks one promise of the statement."""

import pytest


@pytest.mark.points(2)
def test_index_says_hello(client):
    """GET / answers 200 with exactly "Hello, World!"."""
    response = client.get("/")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, World!", response.describe()


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["Ada", "grace-hopper", "X"])
def test_hello_name(client, name):
    """GET /hello/<name> greets that name."""
    response = client.get(f"/hello/{name}")
    assert response.status == 200, response.describe()
    assert response.text.strip() == f"Hello, {name}!", response.describe()


@pytest.mark.points(2)
def test_hello_escapes_html(client):
    """The name is HTML-escaped: /hello/<b> answers Hello, &lt;b&gt;!"""
    response = client.get("/hello/<b>")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, &lt;b&gt;!", response.describe()


@pytest.mark.points(1)
def test_hello_unicode(client):
    """Unicode names work: /hello/Zoë answers Hello, Zoë!"""
    response = client.get("/hello/Zoë")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, Zoë!", response.describe()


@pytest.mark.points(1)
def test_post_index_not_allowed(client):
    """POST / answers 405."""
    response = client.post("/")
    assert response.status == 405, response.describe()


@pytest.mark.points(1)
@pytest.mark.parametrize("path", ["/nope", "/hello", "/hello/a/b"])
def test_unknown_paths_404(client, path):
    """Unknown paths answer 404."""
    response = client.get(path)
    assert response.status == 404, response.describe()
