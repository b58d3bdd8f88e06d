"""The hiring loop's web pages in a real headless browser (Playwright driving Debian's chromium).

The team invites a candidate from the dashboard and reads the link once;
the candidate opens it with no login, starts, downloads the starter kit
(unpacked here: no hidden test, no solution), uploads a one-file
solution and reads the receipt and, as the invitation allows, the hidden
score. The team then finds the candidate by searching, sees the submission
and its verdict, sets "advance" and a note, and finds both again after a
reload. Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from grader.challenges import get_challenge

from .conftest import SHOTS
from .service_support import Api, Server, make_team
from .test_service_candidate_page import hidden_secrets

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HELLO = get_challenge("hello-world")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cand-browser") / "data"
    data.mkdir()
    return data


@pytest.fixture(scope="module")
def token(data_dir: Path) -> str:
    """Team alpha's API token; its dashboard user is alice."""
    return make_team(data_dir, "alpha", user="alice")


@pytest.fixture(scope="module")
def server(data_dir: Path, token: str) -> Iterator[Server]:
    running = Server(data_dir, workers=1).start()
    try:
        yield running
    finally:
        running.stop()


def _team_page(browser: Any, server: Server) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url + "/login")
    page.fill("#username", "alice")
    page.fill("#password", "password-alice")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Challenges")
    return page


def test_invite_take_the_challenge_and_decide(
    server: Server, token: str, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    other = {"challenge": "hello-world", "name": "Bo Kim", "email": "bo@example.org", "deadline": later}
    assert Api(server, token).post("/invitations", json=other).status_code == 201

    # the team invites Ann from the dashboard and reads her link, once
    team = _team_page(browser, server)
    team.click("header nav >> text=Candidates")
    team.click("#invite-link")
    team.select_option("#challenge", "hello-world")
    team.fill("#name", "Ann Lee")
    team.fill("#email", "ann.lee@example.com")
    team.fill("#external_id", "ATS-1001")
    team.fill("#time_limit_minutes", "120")
    team.select_option("#shows", "hidden")
    team.click("button:has-text('Invite')")
    link = team.locator("#link").input_value()
    assert re.fullmatch(re.escape(server.url) + r"/i/[A-Za-z0-9_-]{43}", link), link
    team.screenshot(path=SHOTS / "candidates-01-invited.png", full_page=True)

    # the candidate, with no login: start, download the kit, upload a solution, read the receipt
    candidate = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900}).new_page()
    candidate.set_default_timeout(15_000)
    candidate.goto(link)
    expect(candidate.locator("#standing")).to_contain_text("You have not started yet")
    expect(candidate.locator("#standing")).to_contain_text("120 minutes")
    expect(candidate.locator("#statement")).to_have_count(0)
    candidate.click("#start")
    expect(candidate.locator("#standing")).to_contain_text("minutes left")
    expect(candidate.locator("#statement h2", has_text="What to build")).to_have_count(1)
    candidate.screenshot(path=SHOTS / "candidates-02-candidate-page.png", full_page=True)
    with candidate.expect_download() as download:
        candidate.click("#kit-link")
    kit = tmp_path / "kit.tar.gz"
    download.value.save_as(kit)
    with tarfile.open(kit, "r:gz") as archive:
        names = archive.getnames()
        contents = b"".join(
            archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile()
        )
    assert "README.md" in names and "app.py" in names and any(n.startswith("tests/") for n in names)
    assert not [n for n in names if "hidden" in n or "solution" in n], names
    assert not [s for s in hidden_secrets() if s.encode() in contents]

    solution = tmp_path / "app.py"
    solution.write_bytes((HELLO.solution_dir / "app.py").read_bytes())
    candidate.set_input_files("#file", str(solution))
    candidate.click("#submit")
    receipt = candidate.locator("section.receipt").first
    expect(receipt).to_contain_text("1 of 5 submissions used")
    expect(receipt.locator("code.hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(candidate.locator(".flash.info")).to_contain_text("Received: submission")
    expect(receipt.locator(".score")).to_contain_text("100.0 %", timeout=90_000)  # the page reloads itself
    candidate.screenshot(path=SHOTS / "candidates-03-receipt.png", full_page=True)
    text = candidate.content()
    assert not [s for s in hidden_secrets() if s in text]
    candidate.context.close()

    # the body gate admits the page's large uploads with a live token (the app then checks CSRF)
    big = {"file": ("big.zip", b"x" * (200 * 1024))}
    gated = requests.post(f"{link}/web/submissions", files=big, timeout=30)
    assert gated.status_code == 400 and "Nothing was done" in gated.text, gated.text
    unknown = requests.post(f"{server.url}/i/{'x' * 43}/web/submissions", files=big, timeout=30)
    assert unknown.status_code == 401, unknown.text

    # the team finds Ann by her external id, sees the verdict, advances her with a note
    team.click("header nav >> text=Candidates")
    expect(team.locator("#candidates tbody tr")).to_have_count(2)
    team.screenshot(path=SHOTS / "candidates-04-list.png", full_page=True)
    team.fill("#q", "ats-1001")
    team.click("#candidate-search button")
    rows = team.locator("#candidates tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ann Lee")
    expect(rows.first.locator(".badge.state")).to_have_text("submitted")
    expect(rows.first.locator(".badge.passed")).to_have_text("passed")
    team.fill("#q", "example.org")
    team.click("#candidate-search button")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bo Kim")
    team.fill("#q", "ann")
    team.click("#candidate-search button")
    team.click("#candidates a:has-text('Ann Lee')")
    expect(team.locator("#invitations tr.invitation")).to_have_attribute("data-state", "submitted")
    expect(team.locator("#submissions tbody tr")).to_have_count(1)
    expect(team.locator("#submissions .badge.passed").first).to_be_visible()
    team.select_option("#review_status", "advance")
    team.fill("#notes", "Clean solution; invite to the on-site.")
    team.click("#review-form button")
    expect(team.locator(".flash.info")).to_contain_text("advance")
    team.reload()
    expect(team.locator("#review-status")).to_have_text("advance")
    expect(team.locator("#notes")).to_have_value("Clean solution; invite to the on-site.")
    team.screenshot(path=SHOTS / "candidates-05-decided.png", full_page=True)
    team.goto(server.url + "/candidates?status=advance")
    expect(team.locator("#candidates tbody tr")).to_have_count(1)
    expect(team.locator("#candidates tbody tr").first).to_contain_text("Ann Lee")
    team.context.close()
