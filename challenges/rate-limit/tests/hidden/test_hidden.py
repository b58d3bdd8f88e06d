"""Hidden tests for rate-limit. Each checks one promise of the statement.

The app the suite shares runs with RATE_LIMIT at its default (5) and
RATE_WINDOW=3600 (challenge.toml), and every test uses client ids of its own,
so tests do not share quotas. Tests that need other settings start their own
instance with ``app_with_env``.

A fixed window aligned to the clock may legitimately start again in the
middle of a burst; so a burst whose pattern is wrong is tried again, with a
new client id, up to ``ATTEMPTS`` times (two bursts in a row cannot both
straddle a window's start). A broken limiter fails every attempt; what must
hold for every single answer (headers present, Remaining never negative,
Retry-After valid) fails at once.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

LIMIT = 5  # the default RATE_LIMIT: challenge.toml leaves it unset
WINDOW = 3600  # RATE_WINDOW of the shared app (challenge.toml [env])
ATTEMPTS = 3
QUOTE = "/api/quote"


def new_id(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex}"


def body_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def int_header(response: Any, name: str) -> int:
    """A header that must be a decimal integer; fail with the answer otherwise."""
    value = response.headers.get(name)
    assert value is not None, f"no {name} header: {response.describe()} headers={dict(response.headers)}"
    text = value.strip()
    assert text.isdigit() or (text.startswith("-") and text[1:].isdigit()), (
        f"{name} must be an integer, got {value!r}: {response.describe()}"
    )
    return int(text)


def check_headers(response: Any, limit: int, window: int) -> int:
    """The three X-RateLimit headers every answer carries; returns Remaining."""
    assert int_header(response, "X-RateLimit-Limit") == limit, (
        f"X-RateLimit-Limit should be {limit}: {response.describe()}"
    )
    remaining = int_header(response, "X-RateLimit-Remaining")
    assert remaining >= 0, f"X-RateLimit-Remaining is negative ({remaining}): {response.describe()}"
    reset = int_header(response, "X-RateLimit-Reset")
    assert 0 <= reset <= window + 1, (
        f"X-RateLimit-Reset should be seconds from now, between 0 and {window + 1}, "
        f"got {reset}: {response.describe()}"
    )
    return remaining


def quote(client: Any, client_id: str | None) -> Any:
    headers = {"X-Client-Id": client_id} if client_id is not None else None
    return client.get(QUOTE, headers=headers)


def burst(
    client: Any, client_id: str | None, count: int, limit: int = LIMIT, window: int = WINDOW
) -> list[Any]:
    """``count`` requests in a row; each answer must carry valid headers and be 200 or 429."""
    answers = []
    for _ in range(count):
        response = quote(client, client_id)
        assert response.status in (200, 429), f"GET {QUOTE}: {response.describe()}"
        check_headers(response, limit, window)
        answers.append(response)
    return answers


def pattern(answers: list[Any]) -> list[tuple[int, str | None]]:
    return [(a.status, a.headers.get("X-RateLimit-Remaining")) for a in answers]


def expected_pattern(limit: int, refused: int) -> list[tuple[int, str | None]]:
    return [(200, str(limit - 1 - i)) for i in range(limit)] + [(429, "0")] * refused


def until_exact(attempt: Callable[[], str | None]) -> None:
    """Run ``attempt`` (None: as promised; else what it saw) until it holds, at most ATTEMPTS times."""
    seen = []
    for _ in range(ATTEMPTS):
        problem = attempt()
        if problem is None:
            return
        seen.append(problem)
    pytest.fail("\n".join(seen))


def check_refusal(response: Any, window: int) -> None:
    """A 429 carries a JSON error and a Retry-After from 1 to RATE_WINDOW + 1."""
    body = body_of(response)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f"a 429 needs a JSON error response: {response.describe()}"
    )
    retry = int_header(response, "Retry-After")
    assert 1 <= retry <= window + 1, (
        f"Retry-After should be between 1 and {window + 1}, got {retry}: {response.describe()}"
    )


# --- the quote and its headers -----------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("quote")
def test_quote(client):
    """GET /api/quote answers 200 with {"quote": <non-empty string>}."""
    response = quote(client, new_id("quote"))
    assert response.status == 200, response.describe()
    data = body_of(response)
    assert isinstance(data, dict) and isinstance(data.get("quote"), str) and data["quote"], (
        response.describe()
    )


@pytest.mark.points(2)
@pytest.mark.promises("headers", "remaining", "reset")
def test_rate_headers_on_first_request(client):
    """A new client's first answer has X-RateLimit-Limit 5, Remaining 4 and an integer Reset."""

    def attempt() -> str | None:
        response = quote(client, new_id("headers"))
        assert response.status == 200, response.describe()
        if check_headers(response, LIMIT, WINDOW) != LIMIT - 1:
            return (
                f"X-RateLimit-Remaining should be {LIMIT - 1} after the first request: {response.describe()}"
            )
        return None

    until_exact(attempt)


@pytest.mark.points(2)
@pytest.mark.promises("remaining", "limit", "headers")
def test_remaining_counts_down(client):
    """A client's first 5 requests answer 200 with X-RateLimit-Remaining 4, 3, 2, 1, 0."""

    def attempt() -> str | None:
        answers = burst(client, new_id("countdown"), LIMIT)
        if pattern(answers) != expected_pattern(LIMIT, 0):
            return f"(status, Remaining) of {LIMIT} requests: {pattern(answers)}"
        return None

    until_exact(attempt)


@pytest.mark.points(3)
@pytest.mark.promises("over-limit", "limit", "headers", "remaining")
def test_over_limit_answers_429(client):
    """The 6th request in a window answers 429 with a JSON error, Remaining 0 and the X-RateLimit headers."""

    def attempt() -> str | None:
        answers = burst(client, new_id("over"), LIMIT + 1)
        if pattern(answers) != expected_pattern(LIMIT, 1):
            return f"(status, Remaining) of {LIMIT + 1} requests: {pattern(answers)}"
        body = body_of(answers[-1])
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
            f"a 429 needs a JSON error response: {answers[-1].describe()}"
        )
        return None

    until_exact(attempt)


@pytest.mark.points(2)
@pytest.mark.promises("retry-after")
def test_retry_after(client):
    """A 429 carries Retry-After: an integer number of seconds from 1 to RATE_WINDOW + 1."""

    def attempt() -> str | None:
        answers = burst(client, new_id("retry"), LIMIT + 1)
        if answers[-1].status != 429:
            return f"the {LIMIT + 1}th request was not refused: {pattern(answers)}"
        check_refusal(answers[-1], WINDOW)
        return None

    until_exact(attempt)


@pytest.mark.points(1)
@pytest.mark.promises("remaining", "over-limit")
def test_remaining_never_negative(client):
    """Requests past the limit keep answering 429 with X-RateLimit-Remaining 0, never negative."""

    def attempt() -> str | None:
        answers = burst(client, new_id("negative"), LIMIT + 3)  # burst() fails on a negative value
        if pattern(answers) != expected_pattern(LIMIT, 3):
            return f"(status, Remaining) of {LIMIT + 3} requests: {pattern(answers)}"
        return None

    until_exact(attempt)


# A Retry-After or X-RateLimit-Reset at most this long is checked by waiting it out.
SHORT_WAIT = 3


@pytest.mark.points(2)
@pytest.mark.promises("retry-after", "reset")
def test_retry_after_is_the_real_wait(client):
    """Retry-After and X-RateLimit-Reset on a 429 are the real wait: after it, the client is allowed again."""

    def attempt() -> str | None:
        client_id = new_id("wait")
        answers = burst(client, client_id, LIMIT + 1)
        refused = answers[-1]
        if refused.status != 429:
            return f"the {LIMIT + 1}th request was not refused: {pattern(answers)}"
        check_refusal(refused, WINDOW)
        retry, reset = int_header(refused, "Retry-After"), int_header(refused, "X-RateLimit-Reset")
        # RATE_WINDOW is 3600: a correct limiter says a few seconds only when its window (aligned to
        # the clock) is about to start again; waiting that long is then enough.
        wait = min(retry, reset)
        if wait > SHORT_WAIT:
            return None
        time.sleep(wait + 1.5)
        again = quote(client, client_id)
        if again.status != 200:
            return (
                f"the 429 said Retry-After {retry} and X-RateLimit-Reset {reset}, but {wait + 1.5} s "
                f"later the client is still refused (RATE_WINDOW is {WINDOW}): {again.describe()}"
            )
        return None

    until_exact(attempt)


# --- who is a client ---------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("independent", "client-id")
def test_clients_independent(client):
    """A client over its limit changes nothing for another X-Client-Id, and stays limited itself."""

    def attempt() -> str | None:
        first, second = new_id("first"), new_id("second")
        answers = burst(client, first, LIMIT + 1)
        if answers[-1].status != 429:
            return f"client {first} was not refused after {LIMIT} requests: {pattern(answers)}"
        other = burst(client, second, 1)[0]
        if other.status != 200 or other.headers.get("X-RateLimit-Remaining") != str(LIMIT - 1):
            return f"client {second}'s first request, after {first} was refused: {other.describe()}"
        again = burst(client, first, 1)[0]
        if again.status != 429:
            return f"client {first} is no longer limited after another client's request: {again.describe()}"
        return None

    until_exact(attempt)


@pytest.mark.points(3)
@pytest.mark.promises("client-id")
def test_address_when_no_header(app_with_env):
    """Without X-Client-Id, or with an empty one, a client is its address (RATE_LIMIT=3); an id is another."""
    other = app_with_env({"RATE_LIMIT": "3", "RATE_WINDOW": "86400"})
    answers = burst(other, None, 4, limit=3, window=86400)
    assert pattern(answers) == expected_pattern(3, 1), (
        f"(status, Remaining) of 4 requests without X-Client-Id, RATE_LIMIT=3: {pattern(answers)}"
    )
    empty = burst(other, "", 1, limit=3, window=86400)[0]
    assert empty.status == 429 and empty.headers.get("X-RateLimit-Remaining") == "0", (
        "an empty X-Client-Id counts as none: the request is the address's, which is over its limit: "
        f"{empty.describe()}"
    )
    named = burst(other, new_id("named"), 1, limit=3, window=86400)[0]
    assert named.status == 200 and named.headers.get("X-RateLimit-Remaining") == "2", (
        f"a request with an X-Client-Id is another client than the address: {named.describe()}"
    )


@pytest.mark.points(2)
@pytest.mark.promises("settings", "limit")
def test_limit_from_environment(app_with_env):
    """With RATE_LIMIT=2, X-RateLimit-Limit is 2 and the 3rd request is refused (429, Retry-After)."""
    other = app_with_env({"RATE_LIMIT": "2", "RATE_WINDOW": "86400"})
    answers = burst(other, new_id("env"), 3, limit=2, window=86400)
    assert pattern(answers) == expected_pattern(2, 1), (
        f"(status, Remaining) of 3 requests with RATE_LIMIT=2: {pattern(answers)}"
    )
    check_refusal(answers[-1], 86400)


# --- the window passes -------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.promises("window-ends", "settings")
def test_allowed_again_after_window(app_with_env):
    """With RATE_WINDOW=2, a refused client that waits 3 s is allowed again with Remaining 4."""
    window = 2
    other = app_with_env({"RATE_WINDOW": str(window)})
    client_id = ""

    def attempt() -> str | None:
        nonlocal client_id
        client_id = new_id("window")
        answers = burst(other, client_id, LIMIT + 1, window=window)
        if answers[-1].status != 429:
            return f"the {LIMIT + 1}th request was not refused: {pattern(answers)}"
        check_refusal(answers[-1], window)
        return None

    until_exact(attempt)
    time.sleep(window + 1)
    response = burst(other, client_id, 1, window=window)[0]
    assert response.status == 200, f"{window + 1} s after being refused: {response.describe()}"
    assert response.headers.get("X-RateLimit-Remaining") == str(LIMIT - 1), (
        f"the first request of a new window should leave {LIMIT - 1}: {response.describe()}"
    )


# --- /health -----------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("health", "safe-get")
def test_health_not_limited(client):
    """GET /health always answers {"status": "ok"}, even for a refused client, and does not count."""

    def health(client_id: str | None) -> None:
        headers = {"X-Client-Id": client_id} if client_id else None
        for _ in range(2 * LIMIT):
            response = client.get("/health", headers=headers)
            assert response.status == 200, f"GET /health as {client_id or 'no id'}: {response.describe()}"
            assert body_of(response) == {"status": "ok"}, f"GET /health: {response.describe()}"

    refused = new_id("refused")
    burst(client, refused, LIMIT + 1)
    health(refused)
    health(None)

    def attempt() -> str | None:
        fresh = new_id("fresh")
        health(fresh)
        response = burst(client, fresh, 1)[0]
        if response.status != 200 or response.headers.get("X-RateLimit-Remaining") != str(LIMIT - 1):
            return (
                f"after {2 * LIMIT} requests to /health, a client's first {QUOTE} "
                f"should leave {LIMIT - 1}: {response.describe()}"
            )
        return None

    until_exact(attempt)


# --- the HTTP rules --------------------------------------------------------------

OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ALWAYS_ALLOWED = {"HEAD", "OPTIONS"}


@pytest.mark.points(1)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """POST, PUT, PATCH and DELETE answer 405 with an Allow header naming GET, on both routes."""
    for path in [QUOTE, "/health"]:
        for method in OTHER_METHODS:
            response = client.request(method, path, headers={"X-Client-Id": new_id("method")})
            assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
            raw = response.headers.get("Allow") or ""
            allow = {m.strip().upper() for m in raw.split(",") if m.strip()}
            assert allow - ALWAYS_ALLOWED == {"GET"}, (
                f"{method} {path}: the Allow header must list GET "
                f"(HEAD and OPTIONS may be added), got {raw!r}"
            )


UNKNOWN = [
    "/api/quotes",
    "/api/quote/1",
    "/api/quote/extra/more",
    "/api",
    "/api/health",
    "/health/check",
    "/quote",
]


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404 (siblings, deeper paths, extra segments)."""
    for path in UNKNOWN:
        for method in ("GET", "POST"):
            response = client.request(method, path, headers={"X-Client-Id": new_id("unknown")})
            assert response.status == 404, f"{method} {path}: expected 404, got {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_other_gets_do_not_count(client):
    """GETs on unknown URLs do not count: the client's first quote after them still leaves 4."""

    def attempt() -> str | None:
        client_id = new_id("gets")
        for _ in range(LIMIT + 1):
            for path in UNKNOWN:  # /health has a test of its own
                client.get(path, headers={"X-Client-Id": client_id})
        response = burst(client, client_id, 1)[0]
        if response.status != 200 or response.headers.get("X-RateLimit-Remaining") != str(LIMIT - 1):
            return f"the first quote after {LIMIT + 1} GETs of each unknown URL: {response.describe()}"
        return None

    until_exact(attempt)
