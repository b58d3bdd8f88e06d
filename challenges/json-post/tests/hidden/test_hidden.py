"""Hidden tests for json-post. Each checks one promise of the statement."""

from typing import Any

import pytest

# An id that no run ever reaches (ids are positive integers assigned by the app).
UNKNOWN_ID = 987654321
JSON_TYPE = {"Content-Type": "application/json"}
#: Text an HTML-escaping app would change: JSON values come back exactly as sent.
HTML_TEXT = "<b>Tom & Jerry's</b> \"quoted\""
OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON values: booleans are not numbers, 2 and 2.0 are the same number."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            same_json(a, b) for a, b in zip(left, right, strict=True)
        )
    return type(left) is type(right) and left == right


def body_of(response: Any) -> Any:
    """The response body parsed as JSON, or fail with what the app answered."""
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def assert_echoes(client: Any, value: Any) -> None:
    response = client.post("/api/data", json=value)
    sent = f"posting {value!r}"
    assert response.status == 200, f"{sent}: {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict) and "received" in body, f"{sent}: {response.describe()}"
    assert same_json(body["received"], value), f"{sent}: {response.describe()}"


def assert_error(response: Any, statuses: set[int], context: str) -> None:
    wanted = " or ".join(map(str, sorted(statuses)))
    assert response.status in statuses, (
        f"{context}: expected status {wanted}, got {response.describe()}"
    )
    body = body_of(response)
    assert isinstance(body, dict), (
        f"{context}: the error body must be a JSON object: {response.describe()}"
    )
    message = body.get("error")
    assert isinstance(message, str) and message, (
        f"{context}: the error body needs a non-empty string 'error': {response.describe()}"
    )


def is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def create_user(client: Any, name: str, email: str) -> dict[str, Any]:
    """Create a user; every test checks the ids it gets itself (one app serves the whole run).

    An app that counts from 0 gives id 0 only to the first user of the run, so
    only the first test that creates a user (test_create_user, in file order)
    loses points for it; no test relies on ids other tests created.
    """
    response = client.post("/api/users", json={"name": name, "email": email})
    assert response.status == 201, f"creating {name!r}: {response.describe()}"
    user = body_of(response)
    assert isinstance(user, dict), f"creating {name!r}: {response.describe()}"
    assert is_positive_int(user.get("id")), f"id must be a positive integer: {response.describe()}"
    return user


# --- /api/data ---------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("echo", "json-type")
def test_data_echoes_object(client):
    """POST /api/data echoes a nested JSON object as {"received": ...}."""
    assert_echoes(
        client,
        {
            "name": "Zoë",
            "note": HTML_TEXT,
            "tags": ["a", "b"],
            "nested": {"n": 1, "x": None, "ok": True},
        },
    )


@pytest.mark.points(1)
@pytest.mark.promises("echo")
def test_data_echoes_array(client):
    """POST /api/data echoes a JSON array (not only objects are accepted)."""
    assert_echoes(client, [1, "two", None, True, {"three": 3.5}])


@pytest.mark.points(1)
@pytest.mark.promises("echo")
def test_data_echoes_scalars(client):
    """POST /api/data echoes bare strings, numbers and true."""
    for value in ["hello", HTML_TEXT, 42, -2.5, True]:
        assert_echoes(client, value)


@pytest.mark.points(1)
@pytest.mark.promises("echo")
def test_data_echoes_falsy_values(client):
    """POST /api/data echoes falsy values: false, 0, "", [] and {}."""
    for value in [False, 0, "", [], {}]:
        assert_echoes(client, value)


@pytest.mark.points(2)
@pytest.mark.promises("echo-null")
def test_data_echoes_null(client):
    """POST /api/data with the body null answers 200 {"received": null}."""
    response = client.post("/api/data", json=None)
    assert response.status == 200, response.describe()
    body = body_of(response)
    assert isinstance(body, dict) and "received" in body, response.describe()
    assert body["received"] is None, response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("data-invalid-json", "error-body")
def test_data_rejects_malformed_json(client):
    """Malformed JSON (truncated, single quotes, empty body) answers 400 or 415, JSON error."""
    for raw in ['{"a": 1', "{'a': 1}", ""]:
        response = client.post("/api/data", data=raw, headers=JSON_TYPE)
        assert_error(response, {400, 415}, f"posting {raw!r} as application/json")


@pytest.mark.points(1)
@pytest.mark.promises("data-content-type", "error-body")
def test_data_rejects_non_json_content_type(client):
    """A missing or non-JSON content type answers 400 or 415 with a JSON error."""
    cases = [
        ("text/plain", {"data": '{"a": 1}', "headers": {"Content-Type": "text/plain"}}),
        ("a form", {"data": {"a": "1"}}),
        ("no content type", {"data": '{"a": 1}'}),
    ]
    for label, kwargs in cases:
        response = client.post("/api/data", **kwargs)
        assert_error(response, {400, 415}, f"posting {label}")


# --- /api/users --------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("create")
def test_create_user(client):
    """POST /api/users with a valid name and email answers 201 with id, name and email as sent."""
    sent = [("Ada Lovelace", "ada@example.com"), ("O'Brien <ob&co>", "o'b&<x>@example.com"), (" ", "sp@ce")]
    for name, email in sent:
        response = client.post("/api/users", json={"name": name, "email": email})
        assert response.status == 201, response.describe()
        user = body_of(response)
        assert isinstance(user, dict), response.describe()
        assert is_positive_int(user.get("id")), f"id must be a positive integer: {response.describe()}"
        assert user.get("name") == name, response.describe()
        assert user.get("email") == email, response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("ids")
def test_user_ids_are_unique(client):
    """Every user created gets a different positive integer id."""
    users = [create_user(client, f"User {i}", f"user{i}@example.com") for i in range(3)]
    ids = [user.get("id") for user in users]
    assert all(is_positive_int(i) for i in ids), f"ids must be positive integers: {ids!r}"
    assert len(set(ids)) == len(ids), f"ids must differ: {ids!r}"


@pytest.mark.points(2)
@pytest.mark.promises("get-user")
def test_get_user(client):
    """GET /api/users/<id> answers 200 with the user created under that id."""
    sent = [("Grace Hopper", "grace@example.com"), ("Zoë <z&o'>", "zoe&'<z>@example.org")]
    created = [create_user(client, name, email) for name, email in sent]
    for user, (name, email) in zip(created, sent, strict=True):
        assert is_positive_int(user.get("id")), f"id must be a positive integer: {user!r}"
        response = client.get(f"/api/users/{user['id']}")
        assert response.status == 200, response.describe()
        body = body_of(response)
        assert isinstance(body, dict), response.describe()
        assert same_json(body.get("id"), user["id"]), response.describe()
        assert body.get("name") == name, response.describe()
        assert body.get("email") == email, response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("unknown-user", "error-body")
def test_get_unknown_user(client):
    """GET /api/users/<id> for an id no user has answers 404 with a JSON error, never another user."""
    create_user(client, "Someone", "someone@example.com")
    response = client.get(f"/api/users/{UNKNOWN_ID}")
    assert_error(response, {404}, f"GET /api/users/{UNKNOWN_ID}")
    # No user should have id 0 (ids are positive), but whether one does depends on
    # what other tests created, which this test must not rely on: it only
    # requires that /api/users/0 is a 404 or the user whose id is 0.
    response = client.get("/api/users/0")
    found = body_of(response) if response.status == 200 else None
    if not (isinstance(found, dict) and same_json(found.get("id"), 0)):
        assert_error(response, {404}, "GET /api/users/0 (answered neither 404 nor the user with id 0)")


@pytest.mark.points(1)
@pytest.mark.promises("user-missing", "error-body")
def test_create_user_missing_or_empty_fields(client):
    """A missing name or email, or an empty name, answers 400 with a JSON error."""
    for payload in [
        {},
        {"email": "ada@example.com"},
        {"name": "Ada"},
        {"name": "", "email": "ada@example.com"},
    ]:
        response = client.post("/api/users", json=payload)
        assert_error(response, {400}, f"posting {payload!r}")


@pytest.mark.points(1)
@pytest.mark.promises("user-types", "error-body")
def test_create_user_wrong_types(client):
    """A name or email that is not a string answers 400 with a JSON error."""
    for payload in [
        {"name": 123, "email": "ada@example.com"},
        {"name": None, "email": "ada@example.com"},
        {"name": ["Ada"], "email": "ada@example.com"},
        {"name": "Ada", "email": 123},
        {"name": "Ada", "email": None},
        {"name": "Ada", "email": ["@"]},
    ]:
        response = client.post("/api/users", json=payload)
        assert_error(response, {400}, f"posting {payload!r}")


@pytest.mark.points(1)
@pytest.mark.promises("user-email", "error-body")
def test_create_user_email_without_at(client):
    """An email without "@" answers 400 with a JSON error."""
    for email in ["ada.example.com", ""]:
        payload = {"name": "Ada", "email": email}
        response = client.post("/api/users", json=payload)
        assert_error(response, {400}, f"posting {payload!r}")


@pytest.mark.points(1)
@pytest.mark.promises("extra-keys")
def test_create_user_ignores_other_keys(client):
    """Other keys in the body may be ignored: the user is created (201) with its name and email."""
    payload = {"name": "Extra Keys", "email": "extra@example.com", "role": "admin", "age": 36}
    response = client.post("/api/users", json=payload)
    assert response.status == 201, f"posting {payload!r}: {response.describe()}"
    user = body_of(response)
    assert isinstance(user, dict), response.describe()
    assert is_positive_int(user.get("id")), f"id must be a positive integer: {response.describe()}"
    assert user.get("name") == "Extra Keys", response.describe()
    assert user.get("email") == "extra@example.com", response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("user-content-type", "error-body")
def test_create_user_non_json_content_type(client):
    """A missing or non-JSON content type answers 400 or 415 with a JSON error, even for a valid user."""
    text = '{"name": "Ada", "email": "ada@example.com"}'
    cases = [
        ("text/plain", {"data": text, "headers": {"Content-Type": "text/plain"}}),
        ("a form", {"data": {"name": "Ada", "email": "ada@example.com"}}),
        ("no content type", {"data": text}),
    ]
    for label, kwargs in cases:
        response = client.post("/api/users", **kwargs)
        assert_error(response, {400, 415}, f"posting {label} to /api/users")


@pytest.mark.points(1)
@pytest.mark.promises("user-not-object", "error-body")
def test_create_user_non_object_body(client):
    """A JSON body that is not an object, or invalid JSON, answers 400 with a JSON error."""
    for value in [["Ada", "ada@example.com"], "Ada", 42, None]:
        response = client.post("/api/users", json=value)
        assert_error(response, {400}, f"posting {value!r}")
    response = client.post("/api/users", data='{"name": "Ada",', headers=JSON_TYPE)
    assert_error(response, {400}, "posting malformed JSON")


# --- every answer is JSON ----------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("json-type")
def test_responses_are_json(client):
    """Answers (echo, errors, created and fetched users) have Content-Type application/json."""
    user = create_user(client, "Json Type", "type@example.com")
    requests = [
        ("POST", "/api/data", {"json": {"a": 1}}),
        ("POST", "/api/data", {"json": None}),
        ("POST", "/api/data", {"data": "{", "headers": JSON_TYPE}),
        ("POST", "/api/data", {"data": "1", "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/api/users", {"json": {"name": "J", "email": "j@example.com"}}),
        ("POST", "/api/users", {"json": {"name": ""}}),
        ("GET", f"/api/users/{user.get('id')}", {}),
        ("GET", f"/api/users/{UNKNOWN_ID}", {}),
    ]
    for method, path, kwargs in requests:
        response = client.request(method, path, **kwargs)
        sent = f"{method} {path} {kwargs or ''}".strip()
        assert response.is_json, (
            f"{sent}: Content-Type must be application/json, got {response.describe()}"
        )


# --- HTTP rules ----------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """Methods a URL does not list answer 405 with an Allow header naming the ones it lists."""
    user = create_user(client, "Methods", "methods@example.com")
    urls = [("/api/data", "POST"), ("/api/users", "POST"), (f"/api/users/{user['id']}", "GET")]
    for path, listed in urls:
        for method in OTHER_METHODS:
            if method == listed:
                continue
            response = client.request(method, path)
            sent = f"{method} {path}"
            assert response.status == 405, f"{sent}: {response.describe()}"
            header = response.headers.get("Allow") or ""
            methods = {m.strip().upper() for m in header.split(",") if m.strip()}
            assert listed in methods and method not in methods, (
                f"{sent}: the Allow header must list {listed} (and not {method}): {response.describe()}"
            )


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404: siblings, deeper paths, extra segments."""
    user = create_user(client, "Unknown Urls", "unknown@example.com")
    for path in ["/api", "/api/user", "/api/data/x", f"/api/users/{user['id']}/x", "/api/users/abc"]:
        response = client.get(path)
        assert response.status == 404, f"GET {path}: {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_get_changes_nothing(client):
    """Repeated GETs of a user (and of an unknown id) answer the same each time."""
    user = create_user(client, "Safe Get", "safe@example.com")
    paths = [f"/api/users/{user['id']}", f"/api/users/{UNKNOWN_ID}"]
    first = [(client.get(p).status, client.get(p).text) for p in paths]
    for path in paths:
        client.get(path)
    assert [(client.get(p).status, client.get(p).text) for p in paths] == first
    again = client.get(paths[0])
    assert again.status == 200 and same_json(body_of(again), user), again.describe()
