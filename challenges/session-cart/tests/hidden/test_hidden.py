"""Hidden tests for session-cart. Each checks one promise of the statement.

Every test opens its own clients (``client``, ``new_client()``): one app
instance serves the whole run, so no test depends on a cart another made.
"""

import base64
import json
import secrets
import uuid
from typing import Any

import pytest

JSON_TYPE = {"Content-Type": "application/json"}
EMPTY: list[tuple[str, int]] = []
#: a valid sku full of characters an app must not escape in JSON
MARKUP_SKU = "<b>&'\""


def body_of(response: Any) -> Any:
    """The response body parsed as JSON, or fail with what the app answered."""
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def cart_of(response: Any, context: str) -> list[tuple[str, int]]:
    """The cart a response holds, as [(sku, qty)], after checking its shape and its count."""
    cart = body_of(response)
    assert isinstance(cart, dict) and isinstance(cart.get("items"), list), (
        f'{context}: expected {{"items": [...], "count": n}}, got {response.describe()}'
    )
    items = []
    for item in cart["items"]:
        assert isinstance(item, dict) and isinstance(item.get("sku"), str) and is_int(item.get("qty")), (
            f'{context}: each item must be {{"sku": <string>, "qty": <integer>}}: {response.describe()}'
        )
        items.append((item["sku"], item["qty"]))
    total = sum(qty for _, qty in items)
    assert is_int(cart.get("count")) and cart["count"] == total, (
        f"{context}: count must be the sum of the quantities ({total}): {response.describe()}"
    )
    return items


def get_cart(client: Any, context: str = "GET /cart") -> list[tuple[str, int]]:
    response = client.get("/cart")
    assert response.status == 200, f"{context}: {response.describe()}"
    return cart_of(response, context)


def add(client: Any, sku: str, qty: int | None = None) -> list[tuple[str, int]]:
    """Add an item (201 expected) and return the cart the app answered."""
    payload: dict[str, Any] = {"sku": sku} if qty is None else {"sku": sku, "qty": qty}
    response = client.post("/cart/items", json=payload)
    assert response.status == 201, f"adding {payload}: {response.describe()}"
    return cart_of(response, f"adding {payload}")


def assert_error(response: Any, status: int, context: str) -> None:
    assert response.status == status, f"{context}: expected {status}, got {response.describe()}"
    body = body_of(response)
    message = body.get("error") if isinstance(body, dict) else None
    assert isinstance(message, str) and message, (
        f'{context}: the error body must be {{"error": <non-empty string>}}: {response.describe()}'
    )


def filled(client: Any) -> list[tuple[str, int]]:
    """Put two items in the client's cart; check it kept them and return them."""
    add(client, "keep-a", 2)
    add(client, "keep-b", 3)
    expected = [("keep-a", 2), ("keep-b", 3)]
    cart = get_cart(client, "GET /cart after adding two items")
    assert cart == expected, f"GET /cart after adding {expected}: got {cart}"
    return expected


def session_cookies(client: Any) -> list[Any]:
    cookies = list(client.cookies)
    assert cookies, "the app set no cookie: the cart cannot follow this client"
    return cookies


def digit_changed(value: str) -> str:
    """The value with its middle character replaced by a different digit (no case to fold)."""
    if not value:
        return "0"
    i = len(value) // 2
    return value[:i] + ("1" if value[i] == "0" else "0") + value[i + 1 :]


def flask_like_token(payload: dict[str, Any]) -> str:
    """Something shaped like Flask's session cookie (payload.timestamp.signature), signed by no one."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join([b64(json.dumps(payload).encode()), b64(b"\x00\x00\x00\x01"), b64(uuid.uuid4().bytes)])


# --- the cart ----------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("no-cookie", "empty-cart", "get-cart")
def test_empty_cart_without_cookie(new_client):
    """A client that sends no cookie gets 200 {"items": [], "count": 0}."""
    response = new_client().get("/cart")
    assert response.status == 200, response.describe()
    assert cart_of(response, "GET /cart without a cookie") == EMPTY, response.describe()


@pytest.mark.points(2)
@pytest.mark.promises("add", "get-cart", "count")
def test_add_item(client):
    """POST /cart/items answers 201 with the cart, and GET /cart then holds the item."""
    assert add(client, "apple", 3) == [("apple", 3)]
    assert get_cart(client) == [("apple", 3)]


@pytest.mark.points(1)
@pytest.mark.promises("qty", "add")
def test_qty_defaults_to_one(client):
    """A body without qty adds one of the sku."""
    assert add(client, "pear") == [("pear", 1)]
    assert get_cart(client) == [("pear", 1)]


@pytest.mark.points(1)
@pytest.mark.promises("qty", "sku")
def test_accepts_boundary_values(client):
    """qty 1 and 99 are accepted, and so are skus of 1 and 32 characters; a sku comes back verbatim."""
    long_sku = "s" * 32
    add(client, "a", 99)
    add(client, long_sku, 1)
    assert (MARKUP_SKU, 2) in add(client, MARKUP_SKU, 2), "the sku must come back exactly as sent"
    cart = get_cart(client)  # sorted: the order has a test of its own
    assert sorted(cart) == sorted([("a", 99), (long_sku, 1), (MARKUP_SKU, 2)]), f"GET /cart: {cart}"


@pytest.mark.points(2)
@pytest.mark.promises("order", "same-sku", "count")
def test_items_keep_first_added_order(client):
    """Items are listed in the order their skus were first added (not sorted), across requests."""
    add(client, "zeta", 1)
    add(client, "alpha", 2)
    add(client, "mango", 3)
    add(client, "alpha", 1)
    expected = [("zeta", 1), ("alpha", 3), ("mango", 3)]
    cart = get_cart(client)
    assert cart == expected, f"expected {expected} (first-added order), got {cart}"


@pytest.mark.points(1)
@pytest.mark.promises("same-sku")
def test_same_sku_adds_up(client):
    """Adding a sku already in the cart adds to its qty instead of listing it twice."""
    add(client, "plum", 2)
    assert add(client, "plum", 5) == [("plum", 7)]
    assert get_cart(client) == [("plum", 7)]


@pytest.mark.points(2)
@pytest.mark.promises("qty-total", "error-body", "error-no-change")
def test_qty_total_over_99_rejected(client):
    """A total over 99 for one sku answers 400 and leaves the cart as it was; exactly 99 is fine."""
    add(client, "fig", 60)
    add(client, "kiwi", 1)
    response = client.post("/cart/items", json={"sku": "fig", "qty": 40})
    assert_error(response, 400, "adding 40 fig to 60 fig")
    assert get_cart(client) == [("fig", 60), ("kiwi", 1)], "a 400 must not change the cart"
    assert add(client, "fig", 39) == [("fig", 99), ("kiwi", 1)]


# --- invalid bodies ------------------------------------------------------------


def assert_rejected(client: Any, bodies: list[Any]) -> None:
    """Each body answers 400 with an error response, and the cart does not change."""
    expected = filled(client)
    for body in bodies:
        response = client.post("/cart/items", json=body)
        assert_error(response, 400, f"posting {body!r}")
    assert get_cart(client) == expected, "a 400 must not change the cart"


@pytest.mark.points(1)
@pytest.mark.promises("bad-body", "error-body", "error-no-change")
def test_rejects_non_object_bodies(client):
    """A JSON body that is not an object, or that is not valid JSON, answers 400 with a JSON error."""
    assert_rejected(client, [["apple", 1], "apple", 3, None])
    response = client.post("/cart/items", data='{"sku": "apple"', headers=JSON_TYPE)
    assert_error(response, 400, "posting malformed JSON")
    assert get_cart(client) == [("keep-a", 2), ("keep-b", 3)], "a 400 must not change the cart"


@pytest.mark.points(1)
@pytest.mark.promises("bad-body", "sku", "error-body", "error-no-change")
def test_rejects_bad_sku(client):
    """A missing or empty sku, one that is not a string, or one over 32 characters answers 400."""
    assert_rejected(
        client,
        [{}, {"qty": 2}, {"sku": ""}, {"sku": "s" * 33}, {"sku": 123}, {"sku": None}, {"sku": ["apple"]}],
    )


@pytest.mark.points(1)
@pytest.mark.promises("bad-body", "qty", "error-body", "error-no-change")
def test_rejects_non_integer_qty(client):
    """A qty that is a string, a fraction, null, a list or an object answers 400."""
    assert_rejected(client, [{"sku": "apple", "qty": q} for q in ["2", 1.5, None, [1], {"n": 1}]])


@pytest.mark.points(1)
@pytest.mark.promises("bad-body", "qty", "error-body", "error-no-change")
def test_rejects_boolean_qty(client):
    """A qty of true or false is not an integer: it answers 400."""
    assert_rejected(client, [{"sku": "apple", "qty": q} for q in [True, False]])


@pytest.mark.points(1)
@pytest.mark.promises("bad-body", "qty", "error-body", "error-no-change")
def test_rejects_qty_out_of_range(client):
    """A qty below 1 or above 99 answers 400."""
    assert_rejected(client, [{"sku": "apple", "qty": q} for q in [0, -1, 100, 1000]])


# --- removing ------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("remove")
def test_remove_item(client):
    """DELETE /cart/items/<sku> answers 200 with the cart without that sku, the others in order."""
    for sku, qty in [("red", 1), ("green", 2), ("blue", 3)]:
        add(client, sku, qty)
    response = client.delete("/cart/items/green")
    assert response.status == 200, response.describe()
    assert cart_of(response, "DELETE /cart/items/green") == [("red", 1), ("blue", 3)]
    assert get_cart(client) == [("red", 1), ("blue", 3)]


@pytest.mark.points(1)
@pytest.mark.promises("remove-unknown", "error-body", "error-no-change")
def test_remove_unknown_item_404(client, new_client):
    """DELETE /cart/items/<sku> for a sku not in the cart answers 404 with a JSON error."""
    expected = filled(client)
    assert_error(client.delete("/cart/items/not-in-cart"), 404, "DELETE of a sku not in the cart")
    assert get_cart(client) == expected, "a 404 must not change the cart"
    assert_error(new_client().delete("/cart/items/keep-a"), 404, "DELETE from an empty cart")


@pytest.mark.points(1)
@pytest.mark.promises("clear")
def test_clear_cart(client):
    """DELETE /cart answers 204 and empties the cart; adding afterwards starts from empty."""
    filled(client)
    response = client.delete("/cart")
    assert response.status == 204, response.describe()
    assert get_cart(client, "GET /cart after DELETE /cart") == EMPTY
    assert add(client, "after", 4) == [("after", 4)]


# --- sessions --------------------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.promises("separate")
def test_clients_have_separate_carts(new_client):
    """Two clients never see each other's items; clearing one cart leaves the other alone."""
    one, two = new_client(), new_client()
    add(one, "one-item", 1)
    add(two, "two-item", 2)
    assert get_cart(one, "first client") == [("one-item", 1)]
    assert get_cart(two, "second client") == [("two-item", 2)]
    assert get_cart(new_client(), "a third client without a cookie") == EMPTY
    assert two.delete("/cart").status == 204
    assert get_cart(one, "first client after the second cleared its cart") == [("one-item", 1)]


@pytest.mark.points(2)
@pytest.mark.promises("tampered")
def test_tampered_cookie_is_empty_cart(client, new_client):
    """A session cookie changed or cut short gives 200 and an empty cart, never a 500."""
    expected = filled(client)
    cookies = session_cookies(client)
    variants = {
        "with a character changed": digit_changed,
        "cut short": lambda value: value[: len(value) // 2],
    }
    for label, tamper in variants.items():
        other = new_client()
        for cookie in cookies:
            other.cookies.set(cookie.name, tamper(cookie.value), cookie.path)
        assert get_cart(other, f"GET /cart with the session cookie {label}") == EMPTY
    assert get_cart(client, "GET /cart with the original cookie") == expected


@pytest.mark.points(2)
@pytest.mark.promises("tampered")
def test_forged_cookie_is_empty_cart(client, new_client):
    """A made-up session cookie gives 200 and an empty cart; adding then starts a new cart."""
    filled(client)
    cookies = session_cookies(client)
    fake_cart = {"sku": "forged", "qty": 5}
    forgeries = {
        "a random hex id": lambda: uuid.uuid4().hex,
        "a random word": lambda: f"forged-{uuid.uuid4().hex[:8]}",
        "a Flask-like token with a wrong signature": lambda: flask_like_token(
            {"cart": [fake_cart], "items": [fake_cart], "_id": uuid.uuid4().hex}
        ),
        "dots and garbage": lambda: f"not.a.{uuid.uuid4().hex[:6]}.session",
    }
    for label, forge in forgeries.items():
        other = new_client()
        for cookie in cookies:
            other.cookies.set(cookie.name, forge(), cookie.path)
        assert get_cart(other, f"GET /cart with {label} as the cookie") == EMPTY
        assert add(other, "fresh", 2) == [("fresh", 2)], f"adding with {label} as the cookie"


@pytest.mark.points(1)
@pytest.mark.promises("http-only")
def test_cookies_are_http_only(client):
    """Every cookie the app sets for the cart is HttpOnly."""
    filled(client)
    for cookie in session_cookies(client):
        assert cookie.http_only, f"the cookie {cookie.name!r} is not HttpOnly"


@pytest.mark.points(1)
@pytest.mark.promises("json-type")
def test_responses_are_json(client):
    """The cart, created carts and errors have Content-Type application/json."""
    add(client, "json", 1)
    requests = [
        ("GET", "/cart", {}),
        ("POST", "/cart/items", {"json": {"sku": "json2"}}),
        ("POST", "/cart/items", {"json": {"sku": ""}}),
        ("DELETE", "/cart/items/json", {}),
        ("DELETE", "/cart/items/not-in-cart", {}),
    ]
    for method, path, kwargs in requests:
        response = client.request(method, path, **kwargs)
        sent = f"{method} {path} {kwargs or ''}".strip()
        assert response.is_json, f"{sent}: Content-Type must be application/json, got {response.describe()}"


# --- the secret key ------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("secret-key")
def test_secret_key_from_environment(client, app_with_env):
    """An instance started with another SECRET_KEY gives a cookie of this one an empty cart."""
    filled(client)
    cookies = session_cookies(client)
    other = app_with_env({"SECRET_KEY": secrets.token_hex(24)})
    for cookie in cookies:
        other.cookies.set(cookie.name, cookie.value, cookie.path)
    cart = get_cart(other, "GET /cart on an instance with another SECRET_KEY, with this instance's cookie")
    assert cart == EMPTY, (
        f"an instance started with a different SECRET_KEY accepted the cookie and showed {cart}: "
        "is the key written in the code instead of read from the environment?"
    )
    assert add(other, "second", 1) == [("second", 1)], "adding on the second instance"


# --- the HTTP rules --------------------------------------------------------------

OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALWAYS_ALLOWED = {"HEAD", "OPTIONS"}


def allow_of(response: Any) -> set[str]:
    raw = response.headers.get("Allow") or ""
    return {method.strip().upper() for method in raw.split(",") if method.strip()}


def assert_only(client: Any, path: str, listed: set[str]) -> None:
    """Every method the statement does not list for ``path`` answers 405 with an Allow of the listed ones."""
    for method in OTHER_METHODS:
        if method in listed:
            continue
        response = client.request(method, path)
        assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
        allow = allow_of(response)
        assert allow - ALWAYS_ALLOWED == listed, (
            f"{method} {path}: the Allow header must list {sorted(listed)} "
            f"(HEAD and OPTIONS may be added), got {response.headers.get('Allow')!r}"
        )


@pytest.mark.points(2)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """Methods the statement does not list answer 405 with an Allow header naming the listed ones."""
    filled(client)
    assert_only(client, "/cart", {"GET", "DELETE"})
    assert_only(client, "/cart/items", {"POST"})
    assert_only(client, "/cart/items/keep-a", {"DELETE"})


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404 (siblings, deeper paths, extra segments)."""
    filled(client)
    for method, path in [
        ("GET", "/carts"),
        ("GET", "/cart/item"),
        ("GET", "/cart/keep-a"),
        ("GET", "/cart/items/keep-a/more"),
        ("DELETE", "/cart/items/keep-a/more"),
        ("POST", "/cart/items/keep-a/more"),
        ("DELETE", "/cart/items/"),
        ("GET", "/cart/items/keep-a/qty/2"),
        ("POST", "/basket/items"),
    ]:
        response = client.request(method, path)
        assert response.status == 404, f"{method} {path}: expected 404, got {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_get_changes_nothing(client):
    """GET requests, also on URLs where DELETE or POST change the cart, leave the cart as it was."""
    expected = filled(client)
    for path in ["/cart", "/cart/items/keep-a", "/cart/items/keep-b", "/cart/items", "/cart"]:
        client.get(path)
        client.head(path)
    assert get_cart(client, "GET /cart after GET and HEAD requests") == expected
