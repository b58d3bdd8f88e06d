"""Hidden tests for login-session. Each checks one promise of the statement.

One app instance serves the whole run: every test registers usernames of its
own (uuid-based) and logs in from fresh clients (``new_client()``), so no
test depends on an account or a session another test made.
"""

import base64
import json
import secrets
import uuid
from typing import Any

import pytest

JSON_TYPE = {"Content-Type": "application/json"}
PASSWORD = "correct horse"
OTHER_PASSWORD = "battery staple"
# Hashing passwords is slow on purpose: requests that hash get more than the default 5 s.
SLOW = 15.0


def body_of(response: Any) -> Any:
    """The response body parsed as JSON, or fail with what the app answered."""
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def assert_error(response: Any, statuses: set[int], context: str) -> Any:
    wanted = " or ".join(map(str, sorted(statuses)))
    assert response.status in statuses, f"{context}: expected {wanted}, got {response.describe()}"
    body = body_of(response)
    message = body.get("error") if isinstance(body, dict) else None
    assert isinstance(message, str) and message, (
        f'{context}: the error body must be {{"error": <non-empty string>}}: {response.describe()}'
    )
    return body


def assert_username(response: Any, status: int, username: str, context: str) -> None:
    assert response.status == status, f"{context}: expected {status}, got {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict) and body.get("username") == username, (
        f'{context}: expected {{"username": {username!r}}}, got {response.describe()}'
    )


def new_name(length: int = 14) -> str:
    """A username no other test uses: lower-case hex after a prefix."""
    return ("u_" + uuid.uuid4().hex)[:length] if length > 3 else uuid.uuid4().hex[:length]


def register(client: Any, username: str, password: str = PASSWORD) -> None:
    response = client.post("/register", timeout=SLOW, json={"username": username, "password": password})
    assert_username(response, 201, username, f"registering {username!r}")


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    response = client.post("/login", timeout=SLOW, json={"username": username, "password": password})
    assert_username(response, 200, username, f"logging in as {username!r}")
    return response


def logged_in(new_client: Any, password: str = PASSWORD) -> tuple[Any, str]:
    """A fresh client logged in as a freshly registered user."""
    username = new_name()
    register(new_client(), username, password)
    client = new_client()
    login(client, username, password)
    assert_username(client.get("/me"), 200, username, "GET /me after logging in")
    return client, username


def me_status(client: Any) -> int:
    return client.get("/me").status


def assert_logged_out(client: Any, context: str) -> None:
    assert_error(client.get("/me"), {401}, f"GET /me {context}")


def with_cookies(new_client: Any, cookies: list[Any], value: Any = None) -> Any:
    """A fresh client holding these cookies (their values changed by ``value`` if given)."""
    client = new_client()
    for cookie in cookies:
        client.cookies.set(cookie.name, value(cookie.value) if value else cookie.value, cookie.path)
    return client


def login_works(new_client: Any, username: str, password: str) -> bool:
    response = new_client().post("/login", timeout=SLOW, json={"username": username, "password": password})
    assert response.status in {200, 401}, f"logging in as {username!r}: {response.describe()}"
    return response.status == 200


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


# --- registering -------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("register")
def test_register(client):
    """POST /register with a valid username and password answers 201 {"username": ...}."""
    register(client, new_name())


@pytest.mark.points(1)
@pytest.mark.promises("username-rule", "password-rule", "register")
def test_register_boundary_values(client):
    """Usernames of 3 and 32 characters (a-z, 0-9, _) and a password of exactly 8 characters are accepted."""
    for username in [new_name(3), ("user_" + uuid.uuid4().hex)[:32]]:
        register(client, username, "8 chars!")


@pytest.mark.points(2)
@pytest.mark.promises("register-taken", "error-body")
def test_register_taken_username(client, new_client):
    """A taken username answers 409 with a JSON error, and the existing password still works."""
    username = new_name()
    register(client, username)
    response = new_client().post(
        "/register", timeout=SLOW, json={"username": username, "password": OTHER_PASSWORD}
    )
    assert_error(response, {409}, f"registering the taken username {username!r} again")
    assert login_works(new_client, username, PASSWORD), "after a 409, the original password must still log in"
    assert not login_works(new_client, username, OTHER_PASSWORD), "a 409 must not change the password"


@pytest.mark.points(1)
@pytest.mark.promises("username-rule", "register-bad", "error-body")
def test_register_rejects_invalid_usernames(client):
    """A username too short or too long, or with anything but a-z, 0-9 and _, answers 400."""
    tail = uuid.uuid4().hex[:6]
    for username in [
        "ab",
        "a" * 33,
        f"Upper_{tail}",
        f"with space{tail}",
        f"with-dash{tail}",
        f"with.dot{tail}",
        f"zoë_{tail}",
        f"newline_{tail}\n",
        "",
        123,
        None,
        ["abc"],
    ]:
        response = client.post("/register", timeout=SLOW, json={"username": username, "password": PASSWORD})
        assert_error(response, {400}, f"registering the username {username!r}")
    response = client.post("/register", timeout=SLOW, json={"password": PASSWORD})
    assert_error(response, {400}, "registering without a username")


@pytest.mark.points(1)
@pytest.mark.promises("password-rule", "register-bad", "bad-no-change", "error-body")
def test_register_rejects_invalid_passwords(client, new_client):
    """A password shorter than 8 characters, missing or not a string answers 400, and the name stays free."""
    username = new_name()
    for payload in [
        {"username": username, "password": "7 chars"},
        {"username": username, "password": ""},
        {"username": username, "password": 12345678},
        {"username": username, "password": None},
        {"username": username},
    ]:
        response = client.post("/register", timeout=SLOW, json=payload)
        assert_error(response, {400}, f"registering {payload!r}")
    assert not login_works(new_client, username, "7 chars"), "a 400 must not create the account"
    register(client, username)


@pytest.mark.points(1)
@pytest.mark.promises("register-bad", "error-body")
def test_register_rejects_non_object_bodies(client):
    """A JSON body that is not an object, or that is not valid JSON, answers 400 with a JSON error."""
    for value in [[new_name(), PASSWORD], new_name(), 42, None]:
        response = client.post("/register", timeout=SLOW, json=value)
        assert_error(response, {400}, f"registering with the body {value!r}")
    response = client.post("/register", timeout=SLOW, data='{"username": "abc",', headers=JSON_TYPE)
    assert_error(response, {400}, "registering with malformed JSON")


# --- logging in ----------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("login", "me")
def test_login(client, new_client):
    """POST /login with the right password answers 200 {"username": ...}; GET /me then answers it."""
    username = new_name()
    register(new_client(), username)
    login(client, username)
    assert_username(client.get("/me"), 200, username, "GET /me after logging in")


@pytest.mark.points(2)
@pytest.mark.promises("cookie-flags", "login")
def test_login_cookie_is_http_only_and_lax(client, new_client):
    """The login answer sets the session cookie; every cookie is HttpOnly and SameSite=Lax."""
    username = new_name()
    register(new_client(), username)
    set_now = [cookie for cookie in login(client, username).cookies.values() if not cookie.expired()]
    assert set_now, "the login answer set no cookie"
    for cookie in set_now + list(client.cookies):
        assert cookie.http_only, f"the cookie {cookie.name!r} is not HttpOnly"
        assert (cookie.same_site or "").lower() == "lax", (
            f"the cookie {cookie.name!r} has SameSite={cookie.same_site}, not Lax"
        )


@pytest.mark.points(1)
@pytest.mark.promises("login-fail", "error-body")
def test_login_wrong_password(client, new_client):
    """A wrong password answers 401 with a JSON error, and the client is not logged in."""
    username = new_name()
    register(new_client(), username)
    response = client.post("/login", timeout=SLOW, json={"username": username, "password": OTHER_PASSWORD})
    assert_error(response, {401}, "logging in with a wrong password")
    assert_logged_out(client, "after a failed login")


@pytest.mark.points(2)
@pytest.mark.promises("login-fail", "error-body")
def test_login_failures_look_the_same(new_client):
    """An unknown username and a wrong password answer the same status and the same JSON body."""
    username = new_name()
    register(new_client(), username)
    wrong = new_client().post("/login", timeout=SLOW, json={"username": username, "password": OTHER_PASSWORD})
    unknown = new_client().post(
        "/login", timeout=SLOW, json={"username": new_name(), "password": OTHER_PASSWORD}
    )
    wrong_body = assert_error(wrong, {401}, "a wrong password")
    unknown_body = assert_error(unknown, {401}, "an unknown username")
    assert wrong_body == unknown_body, (
        f"a wrong password answers {wrong.describe()} but an unknown username {unknown.describe()}"
    )


@pytest.mark.points(1)
@pytest.mark.promises("login-bad", "error-body")
def test_login_rejects_malformed_bodies(client, new_client):
    """A login body that is not an object with string username and password answers 400 or 401."""
    username = new_name()
    register(new_client(), username)
    for value in [
        {},
        [username, PASSWORD],
        None,
        {"username": username},
        {"username": 123, "password": PASSWORD},
        {"username": [username], "password": PASSWORD},
        {"username": {"name": username}, "password": PASSWORD},
        {"username": username, "password": 12345678},
        {"username": username, "password": None},
        {"username": username, "password": [PASSWORD]},
    ]:
        response = client.post("/login", timeout=SLOW, json=value)
        assert_error(response, {400, 401}, f"logging in with {value!r}")
    response = client.post("/login", timeout=SLOW, data='{"username": "abc",', headers=JSON_TYPE)
    assert_error(response, {400, 401}, "logging in with malformed JSON")


# --- the session ---------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("me-401", "error-body")
def test_me_without_login(client):
    """GET /me without a session answers 401 with a JSON error."""
    assert_logged_out(client, "without a cookie")


@pytest.mark.points(1)
@pytest.mark.promises("me-401", "me")
def test_me_with_tampered_or_forged_cookie(new_client):
    """A session cookie changed, cut short or made up answers 401 on GET /me, never a 500."""
    client, username = logged_in(new_client)
    cookies = list(client.cookies)
    assert cookies, "logging in left no cookie in the client"
    variants = {
        "with a character changed": digit_changed,
        "cut short": lambda value: value[: len(value) // 2],
        "made up (hex)": lambda _: uuid.uuid4().hex,
        "made up (a Flask-like token)": lambda _: flask_like_token(
            {"username": username, "user": username, "user_id": username, "sid": uuid.uuid4().hex}
        ),
    }
    for label, change in variants.items():
        assert_logged_out(with_cookies(new_client, cookies, change), f"with the session cookie {label}")
    assert_username(client.get("/me"), 200, username, "GET /me with the untouched cookie")


@pytest.mark.points(2)
@pytest.mark.promises("logout", "me-401")
def test_logout(new_client):
    """POST /logout answers 204; GET /me then answers 401 for that client."""
    client, _ = logged_in(new_client)
    response = client.post("/logout")
    assert response.status == 204, response.describe()
    assert_logged_out(client, "after POST /logout")


@pytest.mark.points(3)
@pytest.mark.promises("logout-replay")
def test_logout_refuses_replayed_cookie(new_client):
    """A copy of the session cookie kept from before the logout answers 401 after it."""
    client, username = logged_in(new_client)
    kept = list(client.cookies)
    before = with_cookies(new_client, kept)
    assert_username(before.get("/me"), 200, username, "GET /me from a copy of the cookie, before the logout")
    assert client.post("/logout").status == 204
    assert_logged_out(with_cookies(new_client, kept), "with the cookie kept from before the logout")


@pytest.mark.points(2)
@pytest.mark.promises("logout-replay")
def test_old_cookie_refused_after_new_login(new_client):
    """A cookie from before a logout stays refused after the same user logs in again."""
    client, username = logged_in(new_client)
    kept = list(client.cookies)
    assert client.post("/logout").status == 204
    again = new_client()
    login(again, username)
    assert_username(again.get("/me"), 200, username, "GET /me after logging in again")
    assert_logged_out(with_cookies(new_client, kept), "with the cookie of the session that was logged out")


# --- changing the password ----------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.promises("password")
def test_password_change(new_client):
    """POST /password with the right old password answers 204; then only the new password logs in."""
    client, username = logged_in(new_client)
    response = client.post("/password", timeout=SLOW, json={"old": PASSWORD, "new": OTHER_PASSWORD})
    assert response.status == 204, response.describe()
    assert not login_works(new_client, username, PASSWORD), "the old password still logs in"
    assert login_works(new_client, username, OTHER_PASSWORD), "the new password does not log in"


@pytest.mark.points(1)
@pytest.mark.promises("password-wrong-old", "error-body")
def test_password_change_wrong_old(new_client):
    """A wrong old password answers 401 with a JSON error and changes nothing."""
    client, username = logged_in(new_client)
    response = client.post("/password", timeout=SLOW, json={"old": "not the password", "new": OTHER_PASSWORD})
    assert_error(response, {401}, "changing the password with a wrong old one")
    assert login_works(new_client, username, PASSWORD), "after a 401, the password must not have changed"
    assert not login_works(new_client, username, OTHER_PASSWORD), "a 401 must not set the new password"


@pytest.mark.points(1)
@pytest.mark.promises("password-bad-new", "password-rule", "bad-no-change", "error-body")
def test_password_change_invalid_new(new_client):
    """A new password under 8 characters or not a string answers 400 and changes nothing."""
    client, username = logged_in(new_client)
    for new in ["7 chars", 12345678]:
        response = client.post("/password", timeout=SLOW, json={"old": PASSWORD, "new": new})
        assert_error(response, {400}, f"changing the password to {new!r}")
    assert login_works(new_client, username, PASSWORD), "after a 400, the password must not have changed"


@pytest.mark.points(1)
@pytest.mark.promises("password-bad-body", "error-body")
def test_password_change_malformed_body(new_client):
    """A /password body that is not a JSON object, or an old password not a string, answers 400 or 401."""
    client, username = logged_in(new_client)
    bodies = [[PASSWORD, OTHER_PASSWORD], OTHER_PASSWORD, 42, None, {"old": 12345678, "new": OTHER_PASSWORD}]
    for value in bodies:
        response = client.post("/password", timeout=SLOW, json=value)
        assert_error(response, {400, 401}, f"changing the password with the body {value!r}")
    response = client.post("/password", timeout=SLOW, data='{"old": "abc",', headers=JSON_TYPE)
    assert_error(response, {400, 401}, "changing the password with malformed JSON")
    assert login_works(new_client, username, PASSWORD), "after a 400 or 401, the password must be the same"


@pytest.mark.points(1)
@pytest.mark.promises("password-login", "error-body")
def test_password_change_requires_login(client, new_client):
    """POST /password from a client that is not logged in answers 401."""
    username = new_name()
    register(new_client(), username)
    response = client.post("/password", timeout=SLOW, json={"old": PASSWORD, "new": OTHER_PASSWORD})
    assert_error(response, {401}, "changing a password without logging in")


@pytest.mark.points(1)
@pytest.mark.promises("json-type")
def test_responses_are_json(new_client):
    """Registrations, logins, /me and errors have Content-Type application/json."""
    client, username = logged_in(new_client)
    answers = {
        "a taken username": client.post(
            "/register", timeout=SLOW, json={"username": username, "password": PASSWORD}
        ),
        "an invalid registration": client.post("/register", timeout=SLOW, json={"username": "X"}),
        "GET /me": client.get("/me"),
        "a wrong password": new_client().post(
            "/login", timeout=SLOW, json={"username": username, "password": "nope-nope"}
        ),
        "GET /me without a session": new_client().get("/me"),
    }
    for label, response in answers.items():
        assert response.is_json, f"{label}: Content-Type must be application/json, got {response.describe()}"


# --- the secret key ------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("secret-key")
def test_secret_key_from_environment(new_client, app_with_env):
    """An instance started with another SECRET_KEY does not accept this instance's session cookie."""
    client, _ = logged_in(new_client)
    other = app_with_env({"SECRET_KEY": secrets.token_hex(24)})
    for cookie in client.cookies:
        other.cookies.set(cookie.name, cookie.value, cookie.path)
    response = other.get("/me")
    assert response.status == 401, (
        f"GET /me on an instance started with a different SECRET_KEY, with this instance's cookie: "
        f"expected 401, got {response.describe()}: is the key written in the code?"
    )


# --- the HTTP rules --------------------------------------------------------------

OTHER_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALWAYS_ALLOWED = {"HEAD", "OPTIONS"}
ROUTES = {
    "/register": {"POST"},
    "/login": {"POST"},
    "/me": {"GET"},
    "/logout": {"POST"},
    "/password": {"POST"},
}


def allow_of(response: Any) -> set[str]:
    raw = response.headers.get("Allow") or ""
    return {method.strip().upper() for method in raw.split(",") if method.strip()}


def assert_only(client: Any, path: str, listed: set[str]) -> None:
    """Every method the statement does not list for ``path`` answers 405 with an Allow of the listed ones."""
    for method in OTHER_METHODS:
        if method in listed:
            continue
        response = client.request(method, path, timeout=SLOW)
        assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
        allow = allow_of(response)
        assert allow - ALWAYS_ALLOWED == listed, (
            f"{method} {path}: the Allow header must list {sorted(listed)} "
            f"(HEAD and OPTIONS may be added), got {response.headers.get('Allow')!r}"
        )


@pytest.mark.points(2)
@pytest.mark.promises("methods", "logout-post-only")
def test_other_methods_405(new_client):
    """Methods the statement does not list answer 405 with an Allow header naming the listed ones."""
    client, _ = logged_in(new_client)
    for path, listed in ROUTES.items():
        assert_only(client, path, listed)


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(new_client):
    """URLs the statement does not describe answer 404 (siblings, deeper paths, extra segments)."""
    client, username = logged_in(new_client)
    for method, path in [
        ("GET", "/users"),
        ("GET", f"/me/{username}"),
        ("GET", "/me/extra"),
        ("POST", "/logout/all"),
        ("POST", "/login/again"),
        ("POST", "/registers"),
        ("GET", "/password/reset"),
        ("DELETE", f"/users/{username}"),
    ]:
        response = client.request(method, path)
        assert response.status == 404, f"{method} {path}: expected 404, got {response.describe()}"


@pytest.mark.points(2)
@pytest.mark.promises("safe-get", "logout-post-only")
def test_get_never_logs_out(new_client):
    """GET and HEAD on every URL, /logout included, leave the client logged in and its cookie valid."""
    client, username = logged_in(new_client)
    kept = list(client.cookies)
    for path in ["/logout", "/me", "/password", "/login", "/register", "/logout"]:
        client.get(path)
        client.head(path)
    assert_username(client.get("/me"), 200, username, "GET /me after GET and HEAD requests on every URL")
    copy = with_cookies(new_client, kept)
    assert_username(copy.get("/me"), 200, username, "GET /me with the cookie kept from before the GETs")
