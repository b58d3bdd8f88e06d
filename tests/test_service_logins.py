"""Dashboard logins against a real ``grader serve``: throttling, and sessions that end on the server."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests

from .service_support import Server, make_team

pytestmark = pytest.mark.slow


def _csrf(browser: requests.Session, url: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.get(url, timeout=30).text)
    assert found
    return found.group(1)


def _login(server: Server, browser: requests.Session, user: str, password: str) -> requests.Response:
    token = _csrf(browser, server.url + "/login")
    return browser.post(
        server.url + "/login",
        data={"username": user, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def _server(tmp_path: Path, **env: str) -> Server:
    data = tmp_path / "data"
    data.mkdir()
    make_team(data, "alpha", user="alice")
    make_team(data, "beta", user="bert")
    return Server(data, env=env).start()


def test_wrong_passwords_lock_the_account_with_a_growing_delay(tmp_path: Path) -> None:
    server = _server(tmp_path, GRADER_LOGIN_FREE_PER_ADDRESS="1000")
    try:
        browser = requests.Session()
        answers = [_login(server, browser, "alice", f"wrong-{n}") for n in range(25)]
        right = _login(server, browser, "alice", "password-alice")
        other = _login(server, requests.Session(), "bert", "password-bert")  # another account: not locked
    finally:
        server.stop()
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert all("wrong username or password" in a.text for a in answers[:4])
    locked = answers[4:]
    assert {a.status_code for a in locked} == {429}
    waits = [int(a.headers["Retry-After"]) for a in locked]
    assert waits[:4] == [2, 4, 8, 16] and waits[-1] == 900 and waits == sorted(waits)
    assert "too many failed logins for this account or address: wait 16 s and try again" in locked[3].text
    assert right.status_code == 429 and "Retry-After" in right.headers  # the right password, still locked
    assert other.status_code == 302


def test_a_lock_ends_and_too_many_failures_from_one_address_lock_it(tmp_path: Path) -> None:
    server = _server(tmp_path, GRADER_LOGIN_LOCK_SECONDS="0.5", GRADER_LOGIN_FREE_PER_ADDRESS="12")
    try:
        browser = requests.Session()
        for n in range(5):
            last = _login(server, browser, "alice", f"wrong-{n}")
        assert last.status_code == 429 and last.headers["Retry-After"] == "1"
        time.sleep(0.7)
        assert _login(server, browser, "alice", "password-alice").status_code == 302  # the lock ended
        # seven more failures from this address (12 in all), each on a different name
        answers = [_login(server, requests.Session(), f"nobody-{n}", "guess-guess") for n in range(7)]
        assert [a.status_code for a in answers] == [200] * 6 + [429]
        refused = _login(server, requests.Session(), "bert", "password-bert")
    finally:
        server.stop()
    assert refused.status_code == 429 and "too many failed logins" in refused.text


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(tmp_path: Path) -> None:
    server = _server(tmp_path, GRADER_SESSION_HOURS="0.0015")  # about 5.4 s
    try:
        browser = requests.Session()
        assert _login(server, browser, "alice", "password-alice").status_code == 302
        copied = requests.Session()
        copied.cookies.update(browser.cookies)
        assert copied.get(server.url + "/challenges", allow_redirects=False, timeout=30).status_code == 200
        token = _csrf(browser, server.url + "/challenges")
        logout = browser.post(
            server.url + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=30
        )
        assert logout.status_code == 302
        replayed = copied.get(server.url + "/challenges", allow_redirects=False, timeout=30)
        assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]

        expiring = requests.Session()
        assert _login(server, expiring, "bert", "password-bert").status_code == 302
        assert expiring.get(server.url + "/challenges", allow_redirects=False, timeout=30).status_code == 200
        time.sleep(5.6)
        late = expiring.get(server.url + "/challenges", allow_redirects=False, timeout=30)
    finally:
        server.stop()
    assert late.status_code == 302 and "/login" in late.headers["Location"]


def test_old_unlocked_counters_are_forgotten(tmp_path: Path) -> None:
    """Made-up names each leave a counter; those neither recent nor locked are dropped."""
    from datetime import timedelta

    from grader.service import logins
    from grader.service.db import Database, sqlite_url
    from grader.service.models import LoginThrottle, utcnow

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    long_ago = utcnow() - timedelta(hours=2)
    with db.session() as session:
        session.add(LoginThrottle(key="user:old", failures=3, last_failure_at=long_ago))
        session.add(
            LoginThrottle(
                key="user:locked",
                failures=9,
                last_failure_at=long_ago,
                locked_until=utcnow() + timedelta(hours=1),
            )
        )
    with db.session() as session:
        assert logins.locked_for(session, "x", "192.0.2.1") == 0
        assert logins.record_failure(session, "x", "192.0.2.1", logins.Policy(forget=60)) == 0
    with db.session() as session:
        keys = sorted(row.key for row in session.query(LoginThrottle))
    assert keys == ["addr:192.0.2.1", "user:locked", "user:x"]
