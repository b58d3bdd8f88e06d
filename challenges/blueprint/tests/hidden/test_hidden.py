"""Hidden tests for blueprint. Each checks one promise of the statement."""

from urllib.parse import urlsplit

import pytest

PREFIXES = {"api": "/api/v1", "admin": "/admin"}


def _blueprint_of(endpoint):
    """The top-level blueprint an endpoint belongs to ("" for the app itself)."""
    head, dot, _ = endpoint.partition(".")
    return head if dot else ""


def _get_books(client):
    response = client.get("/api/v1/books")
    assert response.status == 200, f"GET /api/v1/books: {response.describe()}"
    books = response.json()
    assert isinstance(books, list), f"GET /api/v1/books is not a JSON list: {response.describe()}"
    return books


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


# --- structure ---------------------------------------------------------------


@pytest.mark.points(3)
def test_factory_returns_fresh_app(app_facts):
    """create_app() exists, takes no arguments and returns a new app on each call."""
    factory = app_facts["factory"]
    assert factory is not None, "no create_app() function in the module the app is loaded from"
    name = factory["name"]
    assert name == "create_app", f"the factory is called {name!r}, not create_app"
    assert factory["error"] is None, f"calling create_app() twice failed: {factory['error']}"
    assert factory["fresh_each_call"], "create_app() must return a new Flask app on each call"


@pytest.mark.points(2)
def test_blueprints_registered(app_facts):
    """The app registers blueprints named api and admin."""
    names = app_facts["blueprints"]
    for name in ("api", "admin"):
        assert name in names, f"no blueprint named {name!r}; registered blueprints: {names}"


@pytest.mark.points(2)
def test_blueprint_prefixes(app_facts, client):
    """Every route of api is under /api/v1 and every route of admin under /admin, and answers there."""
    for name, prefix in PREFIXES.items():
        rules = [r for r in app_facts["rules"] if _blueprint_of(r["endpoint"]) == name]
        assert rules, f"the {name!r} blueprint has no routes"
        outside = [r["rule"] for r in rules if r["rule"] != prefix and not r["rule"].startswith(prefix + "/")]
        assert not outside, f"routes of {name!r} outside {prefix}: {outside}"
        # the structure is also checked by its behaviour: each listed GET route answers over HTTP
        for rule in rules:
            if "GET" in rule["methods"] and "<" not in rule["rule"]:
                response = client.get(rule["rule"])
                assert response.status < 400, f"GET {rule['rule']} ({name}.{rule['endpoint']}): {response.describe()}"


@pytest.mark.points(2)
def test_no_view_on_app(app_facts):
    """No view is registered on the app itself: every route belongs to api or admin."""
    stray = [
        f"{r['rule']} (endpoint {r['endpoint']!r})"
        for r in app_facts["rules"]
        if r["endpoint"] != "static" and _blueprint_of(r["endpoint"]) not in PREFIXES
    ]
    assert not stray, f"routes outside the api and admin blueprints: {stray}"


@pytest.mark.points(1)
def test_url_for_ping(app_facts, client):
    """url_for("api.ping") is /api/v1/ping, and that URL answers."""
    url = app_facts["url_for"].get("api.ping")
    assert url == "/api/v1/ping", f'url_for("api.ping") is {url!r} (None: no such endpoint)'
    response = client.get(url)
    assert response.status == 200, f"GET {url}: {response.describe()}"


# --- api -------------------------------------------------------------------


@pytest.mark.points(2)
def test_ping(client):
    """GET /api/v1/ping answers 200 with the JSON object {"pong": true}."""
    response = client.get("/api/v1/ping")
    assert response.status == 200, response.describe()
    assert response.is_json, f"not application/json: {response.describe()}"
    data = response.json()
    assert isinstance(data, dict) and data.get("pong") is True, response.describe()


@pytest.mark.points(2)
def test_books_list(client):
    """GET /api/v1/books answers a JSON list of at least two books (int "id", str "title")."""
    response = client.get("/api/v1/books")
    assert response.status == 200, response.describe()
    assert response.is_json, f"not application/json: {response.describe()}"
    books = response.json()
    assert isinstance(books, list) and len(books) >= 2, response.describe()
    for book in books:
        assert isinstance(book, dict), f"a book is not a JSON object: {book!r}"
        assert _is_int(book.get("id")), f'"id" is not an integer in {book!r}'
        assert isinstance(book.get("title"), str), f'"title" is not a string in {book!r}'


@pytest.mark.points(2)
def test_book_detail(client):
    """GET /api/v1/books/<id> answers each listed book with the same id and title."""
    books = _get_books(client)
    assert books, "GET /api/v1/books returned no books"
    for book in books:
        assert isinstance(book, dict) and _is_int(book.get("id")), f"bad book in the list: {book!r}"
        response = client.get(f"/api/v1/books/{book['id']}")
        assert response.status == 200, f"book {book['id']}: {response.describe()}"
        assert response.is_json, f"book {book['id']} is not application/json: {response.describe()}"
        data = response.json()
        assert isinstance(data, dict), f"book {book['id']}: {response.describe()}"
        assert data.get("id") == book["id"] and data.get("title") == book.get("title"), (
            f"listed as {book!r}, but /api/v1/books/{book['id']} answers {response.describe()}"
        )


@pytest.mark.points(1)
@pytest.mark.parametrize("kind", ["unknown-id", "not-an-int"])
def test_book_unknown_404(client, kind):
    """GET /api/v1/books/<id> answers 404 for an id no book has, or one that is not an integer."""
    if kind == "unknown-id":
        ids = [b.get("id") for b in _get_books(client) if isinstance(b, dict)]
        missing = max([i for i in ids if _is_int(i)] + [0]) + 1000
        path = f"/api/v1/books/{missing}"
    else:
        path = "/api/v1/books/abc"
    response = client.get(path)
    assert response.status == 404, f"GET {path}: {response.describe()}"


# --- admin -----------------------------------------------------------------


@pytest.mark.points(2)
def test_admin_index(client):
    """GET /admin (or the /admin/ it redirects to) answers an HTML page containing "Admin"."""
    response = client.get("/admin")
    if 300 <= response.status < 400:
        location = response.headers.get("Location") or ""
        assert urlsplit(location).path == "/admin/", (
            f"/admin redirects to {location!r}, not /admin/: {response.describe()}"
        )
        response = client.get("/admin/")
        where = "GET /admin/ (after the redirect)"
    else:
        where = "GET /admin"
    assert response.status == 200, f"{where}: {response.describe()}"
    assert response.mimetype.startswith("text/html"), f"{where} is not HTML: {response.describe()}"
    assert "Admin" in response.text, f'{where} does not contain "Admin": {response.describe()}'


@pytest.mark.points(2)
def test_admin_stats(client):
    """GET /admin/stats answers {"books": n}, n being the number of books in GET /api/v1/books."""
    count = len(_get_books(client))
    response = client.get("/admin/stats")
    assert response.status == 200, response.describe()
    assert response.is_json, f"not application/json: {response.describe()}"
    data = response.json()
    assert isinstance(data, dict), response.describe()
    assert _is_int(data.get("books")) and data["books"] == count, (
        f"/api/v1/books lists {count} books, but /admin/stats answers {response.describe()}"
    )
