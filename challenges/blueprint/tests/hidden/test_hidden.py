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


def _admin_page_url(client):
    """Where the admin page lives: /admin, or /admin/ when /admin redirects there."""
    response = client.get("/admin")
    return "/admin/" if 300 <= response.status < 400 else "/admin"


def _allowed(response):
    """The methods an `Allow` header lists, upper-cased."""
    header = response.headers.get("Allow") or ""
    return {method.strip().upper() for method in header.split(",") if method.strip()}


# --- structure ---------------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.promises("factory")
def test_factory_returns_fresh_app(app_facts):
    """create_app() exists, takes no arguments and returns a new app on each call."""
    factory = app_facts["factory"]
    assert factory is not None, "no create_app() function in the module the app is loaded from"
    name = factory["name"]
    assert name == "create_app", f"the factory is called {name!r}, not create_app"
    assert factory["error"] is None, f"calling create_app() twice failed: {factory['error']}"
    assert factory["fresh_each_call"], "create_app() must return a new Flask app on each call"


@pytest.mark.points(2)
@pytest.mark.promises("blueprints")
def test_blueprints_registered(app_facts):
    """The app registers blueprints named api and admin."""
    names = app_facts["blueprints"]
    for name in ("api", "admin"):
        assert name in names, f"no blueprint named {name!r}; registered blueprints: {names}"


@pytest.mark.points(2)
@pytest.mark.promises("prefixes")
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
@pytest.mark.promises("no-app-views")
def test_no_view_on_app(app_facts):
    """No view is registered on the app itself: every route belongs to api or admin."""
    stray = [
        f"{r['rule']} (endpoint {r['endpoint']!r})"
        for r in app_facts["rules"]
        if r["endpoint"] != "static" and _blueprint_of(r["endpoint"]) not in PREFIXES
    ]
    assert not stray, f"routes outside the api and admin blueprints: {stray}"


@pytest.mark.points(1)
@pytest.mark.promises("ping-endpoint")
def test_url_for_ping(app_facts, client):
    """url_for("api.ping") is /api/v1/ping, and that URL answers."""
    url = app_facts["url_for"].get("api.ping")
    assert url == "/api/v1/ping", f'url_for("api.ping") is {url!r} (None: no such endpoint)'
    response = client.get(url)
    assert response.status == 200, f"GET {url}: {response.describe()}"


# --- api -------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("ping", "json-type")
def test_ping(client):
    """GET /api/v1/ping answers 200 with the JSON object {"pong": true}."""
    response = client.get("/api/v1/ping")
    assert response.status == 200, response.describe()
    assert response.is_json, f"not application/json: {response.describe()}"
    data = response.json()
    assert isinstance(data, dict) and data.get("pong") is True, response.describe()


@pytest.mark.points(2)
@pytest.mark.promises("books", "json-type")
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
    ids = [book["id"] for book in books]
    assert len(set(ids)) == len(ids), f"book ids must be unique: {ids}"


@pytest.mark.points(2)
@pytest.mark.promises("book", "json-type")
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
@pytest.mark.promises("book-404")
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
@pytest.mark.promises("admin-page")
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
@pytest.mark.promises("stats", "json-type")
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


# --- HTTP rules --------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """POST, PUT, PATCH and DELETE on every URL answer 405 with an Allow header naming GET."""
    paths = ["/api/v1/ping", "/api/v1/books", "/api/v1/books/1", _admin_page_url(client), "/admin/stats"]
    for path in paths:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = client.request(method, path)
            sent = f"{method} {path}"
            assert response.status == 405, f"{sent}: {response.describe()}"
            methods = _allowed(response)
            assert "GET" in methods and method not in methods, (
                f"{sent}: the Allow header must list GET (and not {method}): {response.describe()}"
            )


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404: siblings, deeper paths, extra segments."""
    for path in [
        "/nope",
        "/api/v1",
        "/api/v2/ping",
        "/api/v1/book",
        "/api/v1/ping/x",
        "/api/v1/books/1/x",
        "/admin/stats/x",
        "/admin/nope",
    ]:
        response = client.get(path)
        assert response.status == 404, f"GET {path}: {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_get_changes_nothing(client):
    """Repeated GETs answer the same: the books, a book, the stats and ping do not change."""
    paths = ["/api/v1/books", "/api/v1/books/1", "/admin/stats", "/api/v1/ping", _admin_page_url(client)]
    first = [(client.get(p).status, client.get(p).text) for p in paths]
    for path in paths:
        client.get(path)
    again = [(client.get(p).status, client.get(p).text) for p in paths]
    assert again == first, f"the answers changed after more GETs: {first} -> {again}"
