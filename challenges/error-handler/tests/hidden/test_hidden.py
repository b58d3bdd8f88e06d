"""Hidden tests for error-handler. Each checks one promise of the statement."""

import math

import pytest

NAMES = {1: "apple", 2: "banana", 3: "cherry"}
REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


def assert_json_error(response, code):
    """The response is `code` with exactly {"error": <reason>, "status": <code>} as JSON."""
    assert response.status == code, f"expected status {code}, got: {response.describe()}"
    assert response.mimetype == "application/json", (
        f"expected content type application/json, got: {response.describe()}"
    )
    try:
        body = response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")
    expected = {"error": REASONS[code], "status": code}
    assert body == expected, f"expected the body {expected}, got: {response.describe()}"


def allowed(response):
    """The methods an `Allow` header lists, upper-cased."""
    header = response.headers.get("Allow") or ""
    return {method.strip().upper() for method in header.split(",") if method.strip()}


def assert_json_405(response, method, path):
    """The JSON 405 of `method path`, with an Allow header naming GET but not `method`."""
    assert_json_error(response, 405)
    methods = allowed(response)
    assert "GET" in methods and method not in methods, (
        f"{method} {path}: the 405 must keep its Allow header listing GET (not {method}): "
        f"{response.describe()}"
    )


@pytest.mark.points(1)
@pytest.mark.promises("unknown", "unknown-url", "json-type", "error-body")
@pytest.mark.parametrize("path", ["/nope", "/items/abc", "/admin/panel/x", "/items", "/items/1/x"])
def test_unknown_url_is_json_404(client, path):
    """An unknown URL answers 404 with {"error": "Not Found", "status": 404} as JSON."""
    assert_json_error(client.get(path), 404)


@pytest.mark.points(1)
@pytest.mark.promises("items")
def test_existing_items(client):
    """GET /items/1, /items/2 and /items/3 answer 200 with {"id", "name"}."""
    for item_id in (1, 2, 3):
        response = client.get(f"/items/{item_id}")
        assert response.status == 200, response.describe()
        try:
            body = response.json()
        except ValueError:
            pytest.fail(f"/items/{item_id}: the body is not JSON: {response.describe()}")
        assert isinstance(body, dict), response.describe()
        assert body == {"id": item_id, "name": NAMES[item_id]}, response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("missing-item", "error-body")
@pytest.mark.parametrize("item_id", [0, 4, 999])
def test_missing_item_is_json_404(client, item_id):
    """GET /items/<id> for an item that does not exist answers the JSON 404."""
    assert_json_error(client.get(f"/items/{item_id}"), 404)


@pytest.mark.points(1)
@pytest.mark.promises("wrong-method", "methods", "allow", "error-body")
@pytest.mark.parametrize("method, path", [("POST", "/items/1"), ("DELETE", "/items/2")])
def test_wrong_method_is_json_405(client, method, path):
    """A method /items/<id> does not accept answers the JSON 405, with its Allow header."""
    assert_json_405(client.request(method, path), method, path)


@pytest.mark.points(2)
@pytest.mark.promises("wrong-method", "methods", "allow")
def test_every_url_refuses_other_methods(client):
    """PUT/PATCH on /items/3 and POST on /admin, /boom, /divide answer the JSON 405 with Allow."""
    for method, path in [
        ("PUT", "/items/3"),
        ("PATCH", "/items/3"),
        ("POST", "/admin"),
        ("POST", "/boom"),
        ("POST", "/divide?a=1&b=2"),
    ]:
        assert_json_405(client.request(method, path), method, path)


@pytest.mark.points(2)
@pytest.mark.promises("admin", "error-body")
def test_admin_is_json_403(client):
    """GET /admin answers {"error": "Forbidden", "status": 403} as JSON."""
    assert_json_error(client.get("/admin"), 403)


@pytest.mark.points(2)
@pytest.mark.promises("boom-500", "error-body")
def test_unhandled_exception_is_json_500(client):
    """GET /boom (an unhandled exception) answers {"error": "Internal Server Error", "status": 500}."""
    assert_json_error(client.get("/boom"), 500)


@pytest.mark.points(1)
@pytest.mark.promises("no-leak")
def test_unhandled_exception_does_not_leak(client):
    """GET /boom reveals nothing of the exception: no message, name or traceback."""
    response = client.get("/boom")
    for secret in ("hunter2", "secret detail", "RuntimeError", "Traceback"):
        assert secret.lower() not in response.text.lower(), (
            f"the body leaks {secret!r}: {response.describe()}"
        )


@pytest.mark.points(1)
@pytest.mark.promises("divide")
@pytest.mark.parametrize(
    "a, b, expected",
    [("7", "2", 3.5), ("7.5", "2.5", 3.0), ("-9", "3", -3.0)],
)
def test_divide(client, a, b, expected):
    """GET /divide?a=&b= answers 200 with {"result": a / b} as a JSON number."""
    response = client.get("/divide", params={"a": a, "b": b})
    assert response.status == 200, response.describe()
    try:
        body = response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")
    assert isinstance(body, dict), response.describe()
    result = body.get("result")
    assert isinstance(result, (int, float)) and not isinstance(result, bool), (
        f"result must be a JSON number: {response.describe()}"
    )
    assert math.isclose(result, expected, rel_tol=1e-9, abs_tol=1e-9), (
        f"expected result {expected}: {response.describe()}"
    )


@pytest.mark.points(1)
@pytest.mark.promises("divide-400", "error-body")
@pytest.mark.parametrize(
    "params",
    [
        {"a": "1", "b": "0"},
        {"a": "1"},
        {"b": "2"},
        {"a": "abc", "b": "2"},
        {"a": "4", "b": "two"},
    ],
    ids=["zero-divisor", "missing-b", "missing-a", "non-numeric-a", "non-numeric-b"],
)
def test_divide_bad_request(client, params):
    """/divide answers the JSON 400 for a zero divisor, a missing or a non-numeric parameter."""
    assert_json_error(client.get("/divide", params=params), 400)


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_get_changes_nothing(client):
    """GETs (errors included) change nothing: the items and a division answer the same afterwards."""
    paths = ["/items/1", "/items/2", "/items/3", "/items/4", "/divide?a=7&b=2"]
    first = [(client.get(p).status, client.get(p).text) for p in paths]
    for path in ["/admin", "/boom", "/divide?a=1&b=0", "/nope", *paths]:
        client.get(path)
    again = [(client.get(p).status, client.get(p).text) for p in paths]
    assert again == first, f"the answers changed after more GETs: {first} -> {again}"
