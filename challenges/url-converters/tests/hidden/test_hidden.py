"""Hidden tests for url-converters. Each checks one promise of the statement."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

ARG = r"(\([^>]*\))?:[A-Za-z_][A-Za-z0-9_]*>"
ROUTES = {
    "/events/<date:day>": re.compile(r"/events/<date" + ARG),
    "/events/<date:day>/next": re.compile(r"/events/<date" + ARG + r"/next"),
    "/sum/<intlist:numbers>": re.compile(r"/sum/<intlist" + ARG),
}
DAYS = {
    "2024-02-29": "Thursday",
    "2000-01-01": "Saturday",
    "1999-12-31": "Friday",
    "2023-10-09": "Monday",
    "2026-06-14": "Sunday",
}
IMPOSSIBLE_DATES = [
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "2024-06-31",
    "2024-01-32",
    "2024-01-00",
    "0000-01-01",
]
MALFORMED_DATES = [
    "2024-1-5",
    "2024-01-5",
    "2024-1-05",
    "24-01-05",
    "20240105",
    "2024-W01-1",
    "02024-01-05",
    "2024-01-05x",
    "x2024-01-05",
    "2024-01-05-",
    "2024_01_05",
    "2024.01.05",
    "today",
]
NEXT_DAYS = {
    "2024-02-28": "2024-02-29",
    "2024-02-29": "2024-03-01",
    "2023-02-28": "2023-03-01",
    "2024-04-30": "2024-05-01",
    "2024-12-31": "2025-01-01",
    "0999-12-31": "1000-01-01",
}
MALFORMED_LISTS = [
    "1,,2",
    ",1",
    "1,2,",
    ",",
    "a,b",
    "1,a",
    "1.5",
    "+1",
    "1,+2",
    "1_000",
    "--1",
    "-",
    "1-2",
    "1;2",
    "0x10",
    "1e3",
]


def body_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def assert_not_found(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status == 404, f"GET {path}: expected 404, got {response.describe()}"


def assert_day(client: Any, day: str, weekday: str) -> None:
    path = f"/events/{day}"
    response = client.get(path)
    assert response.status == 200, f"GET {path}: {response.describe()}"
    assert response.is_json, f"GET {path}: not application/json: {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict), f"GET {path}: {response.describe()}"
    assert body.get("date") == day and body.get("weekday") == weekday, (
        f'GET {path}: expected "date" {day!r} and "weekday" {weekday!r}, got {response.describe()}'
    )


def assert_sum(client: Any, text: str, numbers: list[int]) -> None:
    path = f"/sum/{text}"
    response = client.get(path)
    assert response.status == 200, f"GET {path}: {response.describe()}"
    assert response.is_json, f"GET {path}: not application/json: {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict), f"GET {path}: {response.describe()}"
    got = body.get("numbers")
    assert isinstance(got, list) and all(is_int(n) for n in got) and got == numbers, (
        f'GET {path}: expected "numbers" {numbers}, got {response.describe()}'
    )
    assert is_int(body.get("sum")) and body["sum"] == sum(numbers), (
        f'GET {path}: expected "sum" {sum(numbers)}, got {response.describe()}'
    )


# --- structure ---------------------------------------------------------------


@pytest.mark.promises("routes")
@pytest.mark.points(2)
def test_routes_use_converters(app_facts):
    """The routes are declared with the date and intlist converters."""
    rules = [r["rule"] for r in app_facts["rules"] if "GET" in r["methods"]]
    for wanted, pattern in ROUTES.items():
        assert any(pattern.fullmatch(rule) for rule in rules), (
            f"no GET route like {wanted} (argument names may differ); the app's GET routes: {rules}"
        )


# --- date --------------------------------------------------------------------


@pytest.mark.promises("event-day", "date-valid", "json")
@pytest.mark.points(3)
def test_event_day(client):
    """GET /events/<date> answers {"date": ..., "weekday": ...} for real dates."""
    for day, weekday in DAYS.items():
        assert_day(client, day, weekday)


@pytest.mark.promises("event-day", "date-valid")
@pytest.mark.points(1)
def test_event_day_small_year(client):
    """Years below 1000 are dates too, written with four digits (0999-12-31, 0001-01-01)."""
    assert_day(client, "0999-12-31", "Tuesday")
    assert_day(client, "0001-01-01", "Monday")


@pytest.mark.promises("date-valid", "date-invalid")
@pytest.mark.points(2)
def test_leap_years(client):
    """February 29 exists in leap years only (2000 and 2024 yes; 1900, 2023 and 2100 no)."""
    assert_day(client, "2000-02-29", "Tuesday")
    assert_day(client, "2024-02-29", "Thursday")
    for day in ("1900-02-29", "2023-02-29", "2100-02-29"):
        assert_not_found(client, f"/events/{day}")


@pytest.mark.promises("date-invalid")
@pytest.mark.points(2)
def test_impossible_dates(client):
    """Impossible dates (month 13 or 00, April 31, day 32 or 00, year 0000) answer 404."""
    for day in IMPOSSIBLE_DATES:
        assert_not_found(client, f"/events/{day}")


@pytest.mark.promises("date-invalid")
@pytest.mark.points(2)
def test_malformed_dates(client):
    """Anything but YYYY-MM-DD (2024-1-5, 24-01-05, 20240105, 2024-01-05x...) answers 404."""
    for day in MALFORMED_DATES:
        assert_not_found(client, f"/events/{day}")


@pytest.mark.promises("next-day", "date-url")
@pytest.mark.points(2)
def test_next_day_redirect(client):
    """GET /events/<date>/next answers 302 to the next day's /events/ URL, across months and years."""
    for day, following in NEXT_DAYS.items():
        path = f"/events/{day}/next"
        response = client.get(path)
        assert response.status == 302, f"GET {path}: expected 302, got {response.describe()}"
        location = response.headers.get("Location") or ""
        assert urlsplit(location).path == f"/events/{following}", (
            f"GET {path}: expected a redirect to /events/{following}, Location is {location!r}"
        )


@pytest.mark.promises("date-invalid")
@pytest.mark.points(1)
def test_next_of_rejected_date(client):
    """/next after an impossible or malformed date answers 404."""
    for day in ("2023-02-29", "2024-13-01", "2024-1-5", "20240105"):
        assert_not_found(client, f"/events/{day}/next")


# --- intlist -----------------------------------------------------------------


@pytest.mark.promises("sum", "intlist-valid", "json")
@pytest.mark.points(2)
def test_sum(client):
    """GET /sum/<intlist> answers the integers in order and their sum."""
    assert_sum(client, "3,-1,4", [3, -1, 4])
    assert_sum(client, "1,2,3", [1, 2, 3])
    assert_sum(client, "42", [42])
    assert_sum(client, "-5", [-5])
    assert_sum(client, "10,-3,0,-7", [10, -3, 0, -7])
    assert_sum(client, "123456789012,1", [123456789012, 1])


@pytest.mark.promises("intlist-valid")
@pytest.mark.points(1)
def test_sum_leading_zeros(client):
    """Leading zeros are allowed: 007 is 7 and -0 is 0."""
    assert_sum(client, "007,-0,010", [7, 0, 10])


@pytest.mark.promises("intlist-valid", "intlist-invalid")
@pytest.mark.points(1)
def test_sum_fifty_numbers(client):
    """Fifty integers are accepted; fifty-one answer 404."""
    numbers = [(-1) ** i * i for i in range(50)]
    assert_sum(client, ",".join(map(str, numbers)), numbers)
    assert_not_found(client, "/sum/" + ",".join(["1"] * 51))
    assert_not_found(client, "/sum/" + ",".join(map(str, range(60))))


@pytest.mark.promises("intlist-invalid")
@pytest.mark.points(2)
def test_sum_malformed(client):
    """Empty items, trailing commas, letters, +, _, decimals and stray minus signs answer 404."""
    for text in MALFORMED_LISTS:
        assert_not_found(client, f"/sum/{text}")


# --- errors ------------------------------------------------------------------


@pytest.mark.promises("not-found-json")
@pytest.mark.points(1)
def test_not_found_is_json(client):
    """Every 404, including URLs the converters reject, is a JSON error {"error": "..."}."""
    for path in ("/events/2023-02-29", "/events/2024-1-5", "/sum/1,,2", "/sum/" + ",".join(["1"] * 51)):
        response = client.get(path)
        assert response.status == 404, f"GET {path}: expected 404, got {response.describe()}"
        assert response.is_json, f"GET {path}: a 404 must be application/json: {response.describe()}"
        body = body_of(response)
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
            f"GET {path}: the 404 body needs a non-empty string 'error': {response.describe()}"
        )


# --- HTTP rules --------------------------------------------------------------


@pytest.mark.promises("methods")
@pytest.mark.points(1)
def test_other_methods_answer_405(client):
    """POST, PUT, PATCH and DELETE on the three routes answer 405 with an Allow header naming GET."""
    for path in ("/events/2024-02-29", "/events/2024-02-29/next", "/sum/3,-1,4"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = client.request(method, path)
            assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
            allow = {m.strip().upper() for m in (response.headers.get("Allow") or "").split(",") if m.strip()}
            assert allow - {"HEAD", "OPTIONS"} == {"GET"}, (
                f"{method} {path}: the Allow header must list GET (HEAD, OPTIONS may be there too), "
                f"got {response.headers.get('Allow')!r}"
            )


@pytest.mark.promises("unknown-url", "not-found-json")
@pytest.mark.points(1)
def test_unknown_urls_answer_404(client):
    """URLs the statement does not describe answer 404 with a JSON error."""
    for path in ("/", "/events", "/events/", "/sum", "/sum/", "/events/2024-02-29/previous",
                 "/events/2024-02-29/next/next", "/sum/1,2/total", "/event/2024-02-29"):
        response = client.get(path)
        assert response.status == 404, f"GET {path}: expected 404, got {response.describe()}"
        body = body_of(response) if response.is_json else None
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
            f"GET {path}: a 404 is a JSON error with a non-empty string 'error': {response.describe()}"
        )


@pytest.mark.promises("safe-get")
@pytest.mark.points(1)
def test_gets_change_nothing(client):
    """Earlier GETs, answered or refused, do not change what later GETs answer."""
    paths = ("/events/2024-02-29", "/events/2024-02-28/next", "/sum/3,-1,4", "/events/2023-02-29", "/sum/1,,")
    for path in paths:
        client.get(path)
    assert_day(client, "2024-02-29", "Thursday")
    assert_sum(client, "3,-1,4", [3, -1, 4])
    response = client.get("/events/2024-02-28/next")
    location = urlsplit(response.headers.get("Location") or "").path
    assert response.status == 302 and location == "/events/2024-02-29", (
        f"GET /events/2024-02-28/next, asked again: {response.describe()}"
    )
