"""Hidden tests for factory-config. Each checks one promise of the statement."""

from typing import Any

import pytest


def body_of(response: Any) -> Any:
    """The response body parsed as JSON, or fail with what the app answered."""
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def assert_config(client: Any, greeting: Any, max_items: int, where: str) -> None:
    response = client.get("/config")
    assert response.status == 200, f"{where}: GET /config: {response.describe()}"
    assert response.is_json, f"{where}: GET /config is not application/json: {response.describe()}"
    data = body_of(response)
    assert isinstance(data, dict), f"{where}: GET /config: {response.describe()}"
    assert data.get("greeting") == greeting, (
        f"{where}: greeting should be {greeting!r}: {response.describe()}"
    )
    assert is_int(data.get("max_items")) and data["max_items"] == max_items, (
        f"{where}: max_items should be the integer {max_items}: {response.describe()}"
    )


NAMES = [("/greet/Ann", "Ann"), ("/greet/Zo%C3%AB", "Zoë")]
#: names an app must not HTML-escape in its JSON
MARKUP_NAMES = [
    ("/greet/%3Cb%3E", "<b>"),
    ("/greet/O%27Brien", "O'Brien"),
    ("/greet/Tom%20%26%20Jerry", "Tom & Jerry"),
]


def assert_greets(client: Any, greeting: str, where: str, names: list[tuple[str, str]] = NAMES) -> None:
    for path, name in names:
        response = client.get(path)
        assert response.status == 200, f"{where}: GET {path}: {response.describe()}"
        assert response.is_json, f"{where}: GET {path} is not application/json: {response.describe()}"
        data = body_of(response)
        expected = f"{greeting}, {name}!"
        assert isinstance(data, dict) and data.get("message") == expected, (
            f"{where}: GET {path} should answer {{'message': {expected!r}}}: {response.describe()}"
        )


def assert_items(client: Any, n: int, where: str) -> None:
    response = client.get("/items", params={"n": str(n)})
    assert response.status == 200, f"{where}: GET /items?n={n}: {response.describe()}"
    data = body_of(response)
    assert isinstance(data, dict) and data.get("items") == list(range(1, n + 1)), (
        f"{where}: GET /items?n={n} should list 1..{n}: {response.describe()}"
    )
    assert all(is_int(i) for i in data["items"]), f"{where}: items must be integers: {response.describe()}"


def assert_error(response: Any, context: str) -> None:
    assert response.status == 400, f"{context}: expected status 400, got {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict), f"{context}: the error body must be a JSON object: {response.describe()}"
    message = body.get("error")
    assert isinstance(message, str) and message, (
        f"{context}: the error body needs a non-empty string 'error': {response.describe()}"
    )


# --- the factory -------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("factory")
def test_factory_returns_fresh_app(app_facts, client):
    """create_app() exists, takes no arguments and returns a new app on each call."""
    factory = app_facts["factory"]
    assert factory is not None, "no create_app() function in the module the app is loaded from"
    assert factory["name"] == "create_app", f"the factory is called {factory['name']!r}, not create_app"
    assert factory["error"] is None, f"calling create_app() twice failed: {factory['error']}"
    assert factory["fresh_each_call"], "create_app() must return a new Flask app on each call"
    response = client.get("/config")
    assert response.status == 200, f"GET /config: {response.describe()}"


# --- defaults ----------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("defaults", "config", "json-type")
def test_config_defaults(client):
    """Without APP_ variables, GET /config answers {"greeting": "Hello", "max_items": 10}."""
    assert_config(client, "Hello", 10, "with the defaults")


@pytest.mark.points(2)
@pytest.mark.promises("greet", "defaults", "json-type")
def test_greet_default(client):
    """GET /greet/<name> answers {"message": "Hello, <name>!"} with the defaults."""
    assert_greets(client, "Hello", "with the defaults")


@pytest.mark.points(2)
@pytest.mark.promises("items", "defaults")
def test_items_in_range(client):
    """GET /items?n= answers {"items": [1..n]} for 1 <= n <= 10 with the defaults."""
    for n in (1, 4, 10):
        assert_items(client, n, "with the defaults")


@pytest.mark.points(2)
@pytest.mark.promises("items-400", "error-body")
def test_items_out_of_range(client):
    """GET /items?n= answers 400 with a JSON error for n = 0, a negative n, or n > MAX_ITEMS (11)."""
    for n in ("0", "-3", "11", "1000"):
        assert_error(client.get("/items", params={"n": n}), f"GET /items?n={n} (MAX_ITEMS is 10)")


@pytest.mark.points(1)
@pytest.mark.promises("items-400", "error-body")
def test_items_not_an_integer(client):
    """GET /items answers 400 with a JSON error when n is missing or not an integer."""
    assert_error(client.get("/items"), "GET /items without n")
    for n in ("abc", "2.5", ""):
        assert_error(client.get("/items", params={"n": n}), f"GET /items?n={n}")


# --- the environment ---------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.promises("env", "env-unset", "greet")
def test_env_greeting(app_with_env):
    """With APP_GREETING=Bonjour (not JSON: a plain string), the app greets with Bonjour."""
    other = app_with_env({"APP_GREETING": "Bonjour"})
    where = "with APP_GREETING=Bonjour"
    assert_config(other, "Bonjour", 10, where)
    assert_greets(other, "Bonjour", where)


@pytest.mark.points(3)
@pytest.mark.promises("env", "env-json", "env-unset", "items", "items-400")
def test_env_max_items_is_json(app_with_env):
    """With APP_MAX_ITEMS=25, MAX_ITEMS is the integer 25: n=25 is allowed, n=26 is 400."""
    other = app_with_env({"APP_MAX_ITEMS": "25"})
    where = "with APP_MAX_ITEMS=25"
    assert_config(other, "Hello", 25, where)
    assert_items(other, 25, where)
    assert_error(other.get("/items", params={"n": "26"}), f"{where}: GET /items?n=26")


@pytest.mark.points(2)
@pytest.mark.promises("env", "env-json", "greet", "items", "items-400")
def test_env_both_settings(app_with_env):
    """With APP_GREETING=Hi and APP_MAX_ITEMS=3, both apply: n=3 is allowed, n=4 is 400."""
    other = app_with_env({"APP_GREETING": "Hi", "APP_MAX_ITEMS": "3"})
    where = "with APP_GREETING=Hi and APP_MAX_ITEMS=3"
    assert_config(other, "Hi", 3, where)
    assert_greets(other, "Hi", where)
    assert_items(other, 3, where)
    assert_error(other.get("/items", params={"n": "4"}), f"{where}: GET /items?n=4")


@pytest.mark.points(1)
@pytest.mark.promises("env-json", "no-escaping")
def test_env_json_string(app_with_env):
    """APP_GREETING="Hola & <all>" (a JSON string, quotes included) is the greeting, unquoted, unescaped."""
    greeting = "Hola & <all>"
    other = app_with_env({"APP_GREETING": f'"{greeting}"'})
    where = f'with APP_GREETING set to "{greeting}" (quotes included)'
    assert_config(other, greeting, 10, where)
    assert_greets(other, greeting, where)


@pytest.mark.points(2)
@pytest.mark.promises("no-escaping", "greet")
def test_names_not_html_escaped(client):
    """Names holding <, >, &, ' and " come back in the JSON message exactly as written."""
    assert_greets(client, "Hello", "with the defaults", MARKUP_NAMES)


# --- the HTTP rules --------------------------------------------------------------

OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ALWAYS_ALLOWED = {"HEAD", "OPTIONS"}


@pytest.mark.points(1)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """POST, PUT, PATCH and DELETE answer 405 with an Allow header naming GET on every route."""
    for path in ["/config", "/greet/Ann", "/items?n=2"]:
        for method in OTHER_METHODS:
            response = client.request(method, path)
            assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
            raw = response.headers.get("Allow") or ""
            allow = {m.strip().upper() for m in raw.split(",") if m.strip()}
            assert allow - ALWAYS_ALLOWED == {"GET"}, (
                f"{method} {path}: the Allow header must list GET "
                f"(HEAD and OPTIONS may be added), got {raw!r}"
            )


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404 (siblings, deeper paths, extra segments)."""
    greet = ["/greet", "/greet/", "/greet/Ann/Lee", "/greet/Ann/"]
    for path in [*greet, "/configs", "/config/GREETING", "/items/3", "/item"]:
        response = client.get(path)
        assert response.status == 404, f"GET {path}: expected 404, got {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_gets_change_nothing(client):
    """After many GET requests of every kind, the settings and the answers are the same."""
    for n in ("3", "0", "abc", "10", "11"):
        client.get("/items", params={"n": n})
    for path in ["/greet/Max", "/greet/MAX_ITEMS", "/config", "/greet/Ann"]:
        client.get(path)
        client.head(path)
    assert_config(client, "Hello", 10, "after many GET requests")
    assert_greets(client, "Hello", "after many GET requests")
    assert_items(client, 10, "after many GET requests")
