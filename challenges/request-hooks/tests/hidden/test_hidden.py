"""Hidden tests for request-hooks. Each checks one promise of the statement."""

import re
import time
import uuid

import pytest

CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def key_headers(app_env, **extra):
    return {"X-API-Key": app_env["API_KEY"], **extra}


def samples(app_env):
    """(label, method, path, headers) of answers of every kind: success, 401, 404, 405."""
    key = key_headers(app_env)
    return [
        ("GET /health", "GET", "/health", {}),
        ("GET /whoami", "GET", "/whoami", {}),
        ("GET /api/counter with the key", "GET", "/api/counter", key),
        ("POST /api/counter with the key", "POST", "/api/counter", key),
        ("GET /api/counter without a key (401)", "GET", "/api/counter", {}),
        ("GET /api/nowhere without a key (401)", "GET", "/api/nowhere", {}),
        ("GET /api/nowhere with the key (404)", "GET", "/api/nowhere", key),
        ("GET /nowhere (404)", "GET", "/nowhere", {}),
        ("POST /health (405)", "POST", "/health", {}),
        ("DELETE /api/counter with the key (405)", "DELETE", "/api/counter", key),
    ]


def request_id_of(response, context):
    value = response.headers.get("X-Request-ID")
    assert value is not None, f"{context}: no X-Request-ID header: {response.describe()}"
    return value


def assert_canonical(value, response, context):
    assert CANONICAL.fullmatch(value), (
        f"{context}: X-Request-ID {value!r} is not a canonical (lower-case 8-4-4-4-12) UUID: "
        f"{response.describe()}"
    )


def body_of(response, context):
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"{context}: the body is not JSON: {response.describe()}")


def assert_error(response, status, context):
    assert response.status == status, f"{context}: expected {status}, got {response.describe()}"
    body = body_of(response, context)
    assert isinstance(body, dict), f"{context}: the error body must be a JSON object: {response.describe()}"
    message = body.get("error")
    assert isinstance(message, str) and message, (
        f"{context}: the error body needs a non-empty string 'error': {response.describe()}"
    )


def counter_value(client, app_env, context):
    response = client.get("/api/counter", headers=key_headers(app_env))
    assert response.status == 200, f"{context}: GET /api/counter with the key: {response.describe()}"
    body = body_of(response, context)
    value = body.get("value") if isinstance(body, dict) else None
    assert isinstance(value, int) and not isinstance(value, bool), (
        f"{context}: GET /api/counter must answer an integer value: {response.describe()}"
    )
    return value


# --- X-Request-ID --------------------------------------------------------------


@pytest.mark.promises("id-new")
@pytest.mark.points(2)
def test_request_id_generated(client, app_env):
    """Without X-Request-ID, every response (errors and 404s included) carries a canonical new one."""
    for label, method, path, headers in samples(app_env):
        response = client.request(method, path, headers=headers)
        assert_canonical(request_id_of(response, label), response, label)


@pytest.mark.promises("id-new")
@pytest.mark.points(1)
def test_generated_ids_differ(client):
    """Every request without an X-Request-ID gets a different new id."""
    ids = [request_id_of(client.get("/health"), "GET /health") for _ in range(5)]
    assert len(set(ids)) == len(ids), f"generated ids repeat: {ids}"


@pytest.mark.promises("id-echo")
@pytest.mark.points(2)
def test_canonical_id_echoed(client, app_env):
    """A canonical X-Request-ID sent is echoed unchanged on every response, errors included."""
    fixed = ["123e4567-e89b-12d3-a456-426614174000", str(uuid.uuid1())]
    for label, method, path, headers in samples(app_env):
        for sent in [str(uuid.uuid4()), *fixed]:
            response = client.request(method, path, headers={**headers, "X-Request-ID": sent})
            echoed = request_id_of(response, label)
            assert echoed == sent, (
                f"{label}: sent X-Request-ID {sent!r}, got {echoed!r}: {response.describe()}"
            )


@pytest.mark.promises("id-replaced")
@pytest.mark.points(2)
def test_non_canonical_id_replaced(client, app_env):
    """A non-canonical X-Request-ID (upper case, braces, no hyphens, wrong length...) is replaced."""
    base = str(uuid.uuid4())
    bad_values = [
        "not-a-uuid",
        base.upper(),
        "{" + base + "}",
        base.replace("-", ""),
        "urn:uuid:" + base,
        base[:-1],
        base + "0",
        base[:-1] + "g",
    ]
    places = [
        ("GET /health", "/health", {}),
        ("GET /nowhere (404)", "/nowhere", {}),
        ("GET /api/counter without a key (401)", "/api/counter", {}),
    ]
    for label, path, headers in places:
        for sent in bad_values:
            response = client.get(path, headers={**headers, "X-Request-ID": sent})
            context = f"{label} with X-Request-ID {sent!r}"
            value = request_id_of(response, context)
            assert_canonical(value, response, context)
            assert value not in {sent, sent.lower(), base}, (
                f"{context}: a non-canonical id must be replaced by a new one, got {value!r}"
            )


@pytest.mark.promises("whoami")
@pytest.mark.points(2)
def test_whoami_matches_header(client):
    """GET /whoami answers {"request_id"} equal to that response's X-Request-ID (new, echoed or replaced)."""
    sent = str(uuid.uuid4())
    cases = [
        ("no X-Request-ID", {}),
        ("a canonical id", {"X-Request-ID": sent}),
        ("an invalid id", {"X-Request-ID": "nope"}),
    ]
    for label, headers in cases:
        response = client.get("/whoami", headers=headers)
        context = f"GET /whoami with {label}"
        assert response.status == 200, f"{context}: {response.describe()}"
        body = body_of(response, context)
        header = request_id_of(response, context)
        assert isinstance(body, dict) and body.get("request_id") == header, (
            f"{context}: request_id must equal the X-Request-ID header {header!r}: {response.describe()}"
        )
        if headers.get("X-Request-ID") == sent:
            assert header == sent, (
                f"{context}: the canonical id {sent!r} was not echoed: {response.describe()}"
            )


# --- X-Response-Time-Ms --------------------------------------------------------


@pytest.mark.promises("time-header")
@pytest.mark.points(2)
def test_response_time_on_every_response(client, app_env):
    """Every response (errors and 404s included) carries X-Response-Time-Ms, a non-negative decimal number."""
    for label, method, path, headers in samples(app_env):
        response = client.request(method, path, headers=headers)
        value = response.headers.get("X-Response-Time-Ms")
        assert value is not None, f"{label}: no X-Response-Time-Ms header: {response.describe()}"
        assert DECIMAL.fullmatch(value), (
            f"{label}: X-Response-Time-Ms {value!r} is not a non-negative decimal number: "
            f"{response.describe()}"
        )


@pytest.mark.promises("time-duration")
@pytest.mark.points(1)
def test_response_time_is_a_duration(client, app_env):
    """X-Response-Time-Ms is never more than the time the client waited for the answer."""
    for label, method, path, headers in samples(app_env):
        started = time.perf_counter()
        response = client.request(method, path, headers=headers)
        waited_ms = (time.perf_counter() - started) * 1000
        value = response.headers.get("X-Response-Time-Ms")
        assert value is not None, f"{label}: no X-Response-Time-Ms header: {response.describe()}"
        assert DECIMAL.fullmatch(value), (
            f"{label}: X-Response-Time-Ms {value!r} is not a non-negative decimal number: "
            f"{response.describe()}"
        )
        # 50 ms of slack for coarse clocks and rounding up; a clock reading is far larger.
        assert float(value) <= waited_ms + 50, (
            f"{label}: X-Response-Time-Ms is {value} but the client waited only {waited_ms:.1f} ms "
            f"for the answer: it must be the time taken, in milliseconds: {response.describe()}"
        )


# --- endpoints -----------------------------------------------------------------


@pytest.mark.promises("health")
@pytest.mark.points(1)
def test_health(client):
    """GET /health answers 200 {"status": "ok"} without a key."""
    response = client.get("/health")
    assert response.status == 200, response.describe()
    assert body_of(response, "GET /health") == {"status": "ok"}, response.describe()


@pytest.mark.promises("counter-post", "counter-get")
@pytest.mark.points(2)
def test_counter_post_adds_one(client, app_env):
    """POST /api/counter with the key adds one and answers the new value; GET /api/counter reads it."""
    for _ in range(2):
        before = counter_value(client, app_env, "before POST")
        response = client.post("/api/counter", headers=key_headers(app_env))
        assert response.status == 200, f"POST /api/counter with the key: {response.describe()}"
        body = body_of(response, "POST /api/counter")
        assert isinstance(body, dict) and body.get("value") == before + 1, (
            f"the counter was {before}, POST /api/counter must answer {before + 1}: {response.describe()}"
        )
        after = counter_value(client, app_env, "after POST")
        assert after == before + 1, f"the counter was {before}, after one POST GET answers {after}"


# --- the API key ---------------------------------------------------------------


def wrong_keys(app_env):
    key = app_env["API_KEY"]
    keys = [("no X-API-Key", {}), ("a wrong key", {"X-API-Key": "wrong"})]
    keys += [
        ("the key with a suffix", {"X-API-Key": key + "x"}),
        ("the key cut short", {"X-API-Key": key[:-1]}),
    ]
    if key.upper() != key:
        keys.append(("the key in upper case", {"X-API-Key": key.upper()}))
    return keys


@pytest.mark.promises("key-401")
@pytest.mark.points(2)
def test_api_requires_key(client, app_env):
    """GET and POST /api/counter without the key, or with a wrong one, answer 401 with a JSON error."""
    for label, headers in wrong_keys(app_env):
        for method in ("GET", "POST"):
            response = client.request(method, "/api/counter", headers=headers)
            assert_error(response, 401, f"{method} /api/counter with {label}")


@pytest.mark.promises("key-view-skipped")
@pytest.mark.points(2)
def test_unauthorised_post_does_not_count(client, app_env):
    """An unauthorised POST /api/counter does not change the counter (the view does not run)."""
    before = counter_value(client, app_env, "before the unauthorised POSTs")
    for _label, headers in wrong_keys(app_env):
        client.post("/api/counter", headers=headers)
    after = counter_value(client, app_env, "after the unauthorised POSTs")
    assert after == before, f"unauthorised POSTs changed the counter from {before} to {after}"


@pytest.mark.promises("key-before-routing")
@pytest.mark.points(2)
def test_key_checked_before_routing(client, app_env):
    """Without a valid key, unknown paths and wrong methods under /api/ answer 401, not 404 or 405."""
    requests = [
        ("GET", "/api/nowhere"),
        ("POST", "/api/counter/reset"),
        ("DELETE", "/api/counter"),
        ("PUT", "/api/counter"),
    ]
    for method, path in requests:
        for label, headers in wrong_keys(app_env)[:2]:
            response = client.request(method, path, headers=headers)
            assert_error(response, 401, f"{method} {path} with {label}")


@pytest.mark.promises("errors-json")
@pytest.mark.points(1)
def test_routing_errors_are_json(client, app_env):
    """Unknown paths answer 404 and wrong methods 405, with a JSON error (with the key under /api/)."""
    key = key_headers(app_env)
    cases = [
        ("GET", "/nowhere", {}, 404),
        ("GET", "/api/nowhere", key, 404),
        ("POST", "/health", {}, 405),
        ("POST", "/whoami", {}, 405),
        ("DELETE", "/api/counter", key, 405),
    ]
    for method, path, headers, status in cases:
        response = client.request(method, path, headers=headers)
        where = " with the key" if headers else ""
        assert_error(response, status, f"{method} {path}{where}")


@pytest.mark.promises("no-key-outside")
@pytest.mark.points(1)
def test_no_key_outside_api(client):
    """GET /health and GET /whoami answer 200 without a key."""
    for path in ("/health", "/whoami"):
        response = client.get(path)
        assert response.status == 200, f"GET {path} without a key: {response.describe()}"


# --- HTTP rules ----------------------------------------------------------------


def allowed(response):
    return {m.strip().upper() for m in (response.headers.get("Allow") or "").split(",") if m.strip()}


@pytest.mark.promises("methods")
@pytest.mark.points(1)
def test_other_methods_answer_405(client, app_env):
    """Methods a URL does not accept answer 405 with an Allow header naming the ones it does."""
    key = key_headers(app_env)
    cases = [
        ("/health", ("POST", "PUT", "PATCH", "DELETE"), {}, {"GET"}),
        ("/whoami", ("POST", "PUT", "PATCH", "DELETE"), {}, {"GET"}),
        ("/api/counter", ("PUT", "PATCH", "DELETE"), key, {"GET", "POST"}),
    ]
    for path, methods, headers, accepted in cases:
        for method in methods:
            response = client.request(method, path, headers=headers)
            context = f"{method} {path}" + (" with the key" if headers else "")
            assert response.status == 405, f"{context}: expected 405, got {response.describe()}"
            assert allowed(response) - {"HEAD", "OPTIONS"} == accepted, (
                f"{context}: the Allow header must list {', '.join(sorted(accepted))} (HEAD, OPTIONS may be "
                f"there too), got {response.headers.get('Allow')!r}"
            )


@pytest.mark.promises("unknown-url")
@pytest.mark.points(1)
def test_unknown_urls_answer_404(client, app_env):
    """URLs the statement does not describe answer 404 (under /api/, with the key)."""
    key = key_headers(app_env)
    cases = [
        ("GET", "/", {}),
        ("GET", "/healthz", {}),
        ("GET", "/health/more", {}),
        ("GET", "/whoami/me", {}),
        ("GET", "/api", {}),
        ("GET", "/api/counter/value", key),
        ("POST", "/api/counters", key),
        ("GET", "/api/", key),
    ]
    for method, path, headers in cases:
        response = client.request(method, path, headers=headers)
        context = f"{method} {path}" + (" with the key" if headers else "")
        assert response.status == 404, f"{context}: expected 404, got {response.describe()}"


@pytest.mark.promises("safe-get")
@pytest.mark.points(1)
def test_gets_change_nothing(client, app_env):
    """GET requests (the counter's included, with or without the key) leave the counter as it was."""
    before = counter_value(client, app_env, "before the GETs")
    for path, headers in (("/api/counter", key_headers(app_env)), ("/api/counter", {}), ("/health", {}),
                          ("/whoami", {}), ("/api/counter", key_headers(app_env))):
        client.get(path, headers=headers)
        client.head(path, headers=headers)
    after = counter_value(client, app_env, "after the GETs")
    assert after == before, f"GET requests changed the counter from {before} to {after}"
