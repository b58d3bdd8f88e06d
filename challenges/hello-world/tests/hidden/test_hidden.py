"""Hidden tests for hello-world. Each checks one promise of the statement."""

import pytest

#: Methods neither route accepts (the statement lists GET only).
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def allowed(response):
    """The methods an `Allow` header lists, upper-cased."""
    header = response.headers.get("Allow") or ""
    return {method.strip().upper() for method in header.split(",") if method.strip()}


@pytest.mark.points(2)
@pytest.mark.promises("index")
def test_index_says_hello(client):
    """GET / answers 200 with exactly "Hello, World!"."""
    response = client.get("/")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, World!", response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("hello")
@pytest.mark.parametrize("name", ["Ada", "grace-hopper", "X"])
def test_hello_name(client, name):
    """GET /hello/<name> greets that name."""
    response = client.get(f"/hello/{name}")
    assert response.status == 200, response.describe()
    assert response.text.strip() == f"Hello, {name}!", response.describe()


@pytest.mark.points(2)
@pytest.mark.promises("escape")
def test_hello_escapes_html(client):
    """The name is HTML-escaped: /hello/<b> answers Hello, &lt;b&gt;!"""
    response = client.get("/hello/<b>")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, &lt;b&gt;!", response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("unicode")
def test_hello_unicode(client):
    """Unicode names work: /hello/Zoë answers Hello, Zoë!"""
    response = client.get("/hello/Zoë")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "Hello, Zoë!", response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("one-segment")
def test_hello_name_is_one_segment(client):
    """A name never contains "/": /hello/a/b and /hello/Ada/x are other paths (404)."""
    for path in ("/hello/a/b", "/hello/Ada/x"):
        response = client.get(path)
        assert response.status == 404, f"GET {path}: {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """POST, PUT, PATCH and DELETE on / and /hello/<name> answer 405 with an Allow header naming GET."""
    for path in ("/", "/hello/Ada"):
        for method in OTHER_METHODS:
            response = client.request(method, path)
            sent = f"{method} {path}"
            assert response.status == 405, f"{sent}: {response.describe()}"
            methods = allowed(response)
            assert "GET" in methods and method not in methods, (
                f"{sent}: the Allow header must list GET (and not {method}): {response.describe()}"
            )


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_paths_404(client):
    """Unknown paths answer 404: another name, /hello without a name, a deeper path."""
    for path in ("/nope", "/hello", "/nope/deeper", "/index/x"):
        response = client.get(path)
        assert response.status == 404, f"GET {path}: {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_get_changes_nothing(client):
    """Repeated GETs answer the same: no GET changes what a later request sees."""
    paths = ("/", "/hello/Ada", "/hello/<b>", "/nope")
    first = [(client.get(path).status, client.get(path).text) for path in paths]
    for path in paths:
        client.get(path)
    again = [(client.get(path).status, client.get(path).text) for path in paths]
    assert again == first, f"the answers changed after more GETs: {first} -> {again}"
