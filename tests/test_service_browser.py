"""The dashboard in a real headless browser: Playwright driving Debian's chromium.

Log in, upload a batch of 12 mixed submissions, watch it finish, open a
failing submission and read its failing test's message, export the CSV.
Screenshots of each page go to ``test-output/browser/``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT
from .service_support import Server, batch_archive, expected_status, make_team

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "test-output" / "browser"
CASES = {
    "ann": "no-escape", "bob": "methodview", "cat": "no-app", "dan": "no-comma", "eve": "index-201",
    "fay": "post-allowed", "gus": "module-markupsafe", "hal": "path-converter", "ida": "double-escape",
    "jon": "wsgi-entry", "kim": "hello-optional-name", "lea": "package-blueprint",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("browser") / "data"
    data.mkdir()
    make_team(data, "alpha", user="alice")
    running = Server(data, workers=2).start()
    yield running
    running.stop()


def test_log_in_upload_watch_inspect_export(server: Server, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run ./scripts/test.sh once (it installs Debian's chromium)")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    archive = tmp_path / "twelve.tar.gz"
    archive.write_bytes(batch_archive(CASES))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        page = browser.new_context(accept_downloads=True).new_page()
        page.set_default_timeout(15_000)

        page.goto(server.url + "/challenges")
        expect(page).to_have_url(f"{server.url}/login?next=%2Fchallenges")
        page.screenshot(path=SHOTS / "01-login.png", full_page=True)
        page.fill("#username", "alice")
        page.fill("#password", "password-alice")
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Challenges")
        page.screenshot(path=SHOTS / "02-challenges.png", full_page=True)

        page.click("text=Upload")
        page.select_option("#challenge", "hello-world")
        page.check("input[value=batch]")
        page.set_input_files("#file", str(archive))
        page.screenshot(path=SHOTS / "03-upload.png", full_page=True)
        page.click("button:has-text('Upload and grade')")
        expect(page.locator("h1")).to_contain_text("Batch")
        page.screenshot(path=SHOTS / "04-batch-running.png", full_page=True)
        expect(page.locator("#status-word")).to_have_text("finished", timeout=60_000)
        expect(page.locator("#distribution svg")).to_be_visible()
        rows = page.locator("#submissions tbody tr")
        expect(rows).to_have_count(len(CASES))
        page.screenshot(path=SHOTS / "05-batch-done.png", full_page=True)

        page.select_option("#status-filter", "failed")
        failing = sum(1 for case in CASES.values() if expected_status(case) == "failed")
        expect(page.locator("#submissions tbody tr:not([hidden])")).to_have_count(failing)
        page.fill("#filter", "ann")
        expect(page.locator("#submissions tbody tr:not([hidden])")).to_have_count(1)

        with page.expect_download() as download:
            page.click("#export-csv")
        saved = tmp_path / "results.csv"
        download.value.save_as(saved)
        with open(saved, encoding="utf-8") as handle:
            verdicts = {row["candidate"]: row["status"] for row in csv.DictReader(handle)}
        assert verdicts == {c: expected_status(case) for c, case in CASES.items()}

        page.click("#submissions tbody tr:not([hidden]) a >> nth=1")
        expect(page.locator("#verdict")).to_contain_text("FAILED")
        message = page.locator("tr.test.failed[data-test=test_hello_escapes_html] pre.message")
        expect(message).to_contain_text("<b>")
        expect(page.locator(".highlight").first).to_be_visible()
        page.screenshot(path=SHOTS / "06-submission.png", full_page=True)
        browser.close()
