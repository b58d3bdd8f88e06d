"""The dashboard in a real headless browser: Playwright driving Debian's chromium.

Log in, upload a batch of 12 mixed submissions, watch it finish, open a
failing submission and read its failing test's message, export the CSV.
Then what a reader sees, measured in the browser: the histogram's labels
inside its box, score columns sorted best first, long lists of failed tests
collapsed, the Version column explained, the statement rendered from
Markdown with no way to inject markup. Screenshots of each page go to
``test-output/browser/``.

The server grades from a copy of the challenges folder (``GRADER_CHALLENGES``):
``hello-world`` as shipped, and ``hello-probe``, the same challenge with a
hostile paragraph in its statement, whose version the tests raise after
grading so that its results are outdated.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, SHOTS
from .service_support import Api, Server, batch_archive, expected_status, make_team

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CASES = {
    "ann": "no-escape", "bob": "methodview", "cat": "no-app", "dan": "no-comma", "eve": "index-201",
    "fay": "post-allowed", "gus": "module-markupsafe", "hal": "path-converter", "ida": "double-escape",
    "jon": "wsgi-entry", "kim": "hello-optional-name", "lea": "package-blueprint",
}  # fmt: skip
#: ``lee`` of the probe batch: an app that answers everything wrongly (most tests fail)
WRONG_EVERYWHERE = b"""from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "nope"


@app.get("/hello/<name>")
def hello(name):
    return "nope"
"""
#: the probe batch: 100 %, partial scores, ``cat`` (no app: an error, which has no score), plus ``lee``
PROBE_CASES = {
    "ann": "no-escape", "bob": "methodview", "cat": "no-app", "dan": "no-comma", "kim": "hello-optional-name",
}  # fmt: skip
HOSTILE = """
## Markup in a statement

<script>document.title = "pwned-script"</script>

<img src="x" onerror="document.title = 'pwned-img'">

[a link](javascript:document.title='pwned-link')
"""
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"


@pytest.fixture(scope="module")
def challenges(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("challenges")
    shutil.copytree(ROOT / "challenges" / "hello-world", root / "hello-world")
    probe = root / "hello-probe"
    shutil.copytree(ROOT / "challenges" / "hello-world", probe)
    manifest = probe / "challenge.toml"
    manifest.write_text(
        manifest.read_text()
        .replace('id = "hello-world"', 'id = "hello-probe"')
        .replace('title = "Hello, World!"', 'title = "Hello, probe!"')
    )
    statement = probe / "README.md"
    statement.write_text(statement.read_text() + HOSTILE)
    return root


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("browser") / "data"
    data.mkdir()
    return data


@pytest.fixture(scope="module")
def token(data_dir: Path) -> str:
    """Team alpha's API token; its dashboard user is alice."""
    return make_team(data_dir, "alpha", user="alice")


@pytest.fixture(scope="module")
def server(data_dir: Path, token: str, challenges: Path) -> Iterator[Server]:
    running = Server(data_dir, workers=2, env={"GRADER_CHALLENGES": str(challenges)}).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def probe_batch(server: Server, token: str, challenges: Path) -> int:
    """A graded batch of ``hello-probe``, then the challenge's version raised: its results are old."""
    api = Api(server, token)
    answer = api.post(
        "/batches",
        data={"challenge": "hello-probe"},
        files={"file": ("probe.tar.gz", batch_archive(PROBE_CASES, {"lee/app.py": WRONG_EVERYWHERE}))},
    )
    assert answer.status_code == 202, answer.text
    batch_id: int = answer.json()["id"]
    api.wait_done(f"/batches/{batch_id}")
    manifest = challenges / "hello-probe" / "challenge.toml"
    assert 'version = "3"' in manifest.read_text()
    manifest.write_text(manifest.read_text().replace('version = "3"', 'version = "4"'))
    return batch_id


def _page(browser: Any, server: Server, path: str) -> Any:
    """A fresh context logged in as alice, at ``path``."""
    from playwright.sync_api import expect

    page = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 800}).new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url + "/login")
    page.fill("#username", "alice")
    page.fill("#password", "password-alice")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Challenges")
    page.goto(server.url + path)
    return page


def test_log_in_upload_watch_inspect_export(server: Server, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    archive = tmp_path / "twelve.tar.gz"
    archive.write_bytes(batch_archive(CASES))
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
    page.fill("#filter", "test_hello_escapes_html")  # a collapsed list of failed tests is still searched
    expect(page.locator("#submissions tbody tr:not([hidden])")).to_have_count(
        sum(1 for case in CASES.values() if case in ("no-escape", "double-escape"))
    )
    page.fill("#filter", "ann")

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
    page.context.close()


# the bounding boxes of the histogram's svg and of each of its labels, in page pixels
_LABEL_BOXES = """svg => {
  const box = svg.getBoundingClientRect();
  return {
    svg: {left: box.left, top: box.top, right: box.right, bottom: box.bottom},
    labels: Array.from(svg.querySelectorAll("text")).filter(t => t.textContent.trim()).map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent.trim(), axis: t.classList.contains("axis"),
              left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    }),
  };
}"""


def test_histogram_labels_fit_inside_the_chart(server: Server, browser: Any, probe_batch: int) -> None:
    page = _page(browser, server, f"/batches/{probe_batch}")
    chart = page.locator("#distribution svg")
    chart.wait_for()
    shot = SHOTS / "07-histogram.png"
    page.locator("#distribution").screenshot(path=shot)
    boxes = chart.evaluate(_LABEL_BOXES)
    svg = boxes["svg"]
    counts = [label for label in boxes["labels"] if not label["axis"]]
    assert counts, f"no count label above a bar: {boxes} (see {shot})"
    outside = [
        label
        for label in boxes["labels"]
        if label["top"] < svg["top"] or label["bottom"] > svg["bottom"]
        or label["left"] < svg["left"] or label["right"] > svg["right"]
    ]  # fmt: skip
    assert not outside, f"labels outside the chart's box {svg}: {outside} (see {shot})"
    page.context.close()


def _column(page: Any, index: int) -> list[str]:
    texts: list[str] = page.locator(f"#submissions tbody tr td:nth-child({index})").all_inner_texts()
    return [text.strip() for text in texts]


def test_score_columns_sort_best_first(server: Server, browser: Any, probe_batch: int) -> None:
    page = _page(browser, server, f"/batches/{probe_batch}")
    shot = SHOTS / "08-sorted-by-percent.png"
    percent = page.locator("#submissions thead th", has_text="%")
    percent.click()
    page.screenshot(path=shot, full_page=True)
    cells = _column(page, 5)
    assert cells[-1] == "", f"the error (no score) sorts last, not among the zeros: {cells} (see {shot})"
    values = [float(v) for v in cells[:-1]]
    assert values == sorted(values, reverse=True), f"first click: {cells} (see {shot})"
    assert values[0] == 100.0
    assert percent.get_attribute("data-order") == "desc"
    percent.click()
    cells = _column(page, 5)
    assert cells[-1] == "" and [float(v) for v in cells[:-1]] == sorted(values), f"second click: {cells}"

    page.locator("#submissions thead th", has_text="Score").click()
    scores = _column(page, 4)
    assert scores[-1] == "no score", scores
    numbers = [float(v.split("/")[0]) for v in scores[:-1]]
    assert numbers == sorted(numbers, reverse=True), f"first click on Score: {scores} (see {shot})"
    page.context.close()


def test_failed_tests_are_collapsed_to_a_count(server: Server, browser: Any, probe_batch: int) -> None:
    from playwright.sync_api import expect

    page = _page(browser, server, f"/batches/{probe_batch}")
    shot = SHOTS / "09-failed-tests-collapsed.png"
    page.screenshot(path=shot, full_page=True)
    nothing = page.locator("#submissions tbody tr", has_text="lee")  # most of the 10 tests fail
    passed = page.locator("#submissions tbody tr", has_text="bob")
    cell = nothing.locator("td:nth-child(6)")
    details = cell.locator("details")
    expect(details).to_have_count(1, timeout=2_000)
    assert details.get_attribute("open") is None, f"the list is open (see {shot})"
    expect(details.locator("summary")).to_have_text(re.compile(r"^([5-9]|10) of 10$"))
    expect(cell.locator("code").first).to_be_hidden()
    tall, short = nothing.bounding_box(), passed.bounding_box()
    assert tall and short and tall["height"] <= 1.5 * short["height"], (
        f"the failing row is {tall} high, a passed row {short} (see {shot})"
    )
    error = page.locator("#submissions tbody tr", has_text="cat")  # no app: an error has no score
    expect(error.locator("td:nth-child(4)")).to_have_text("no score")
    expect(error.locator("td:nth-child(5)")).to_have_text("")
    expect(error.locator("td:nth-child(6) details")).to_have_count(0)
    details.locator("summary").click()
    expect(cell.locator("code", has_text="test_hello_unicode")).to_be_visible()
    page.screenshot(path=SHOTS / "10-failed-tests-open.png", full_page=True)
    page.context.close()


def test_version_column_is_explained(server: Server, browser: Any, probe_batch: int) -> None:
    from playwright.sync_api import expect

    page = _page(browser, server, f"/batches/{probe_batch}")
    shot = SHOTS / "11-version-legend.png"
    page.screenshot(path=shot, full_page=True)
    header = page.locator("#submissions thead th abbr", has_text="Version")
    expect(header).to_have_count(1, timeout=2_000)
    assert "graded against" in (header.get_attribute("title") or ""), f"header tooltip (see {shot})"
    legend = page.locator("#version-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("graded against")
    expect(legend).to_contain_text("the current one is 4")
    expect(legend.locator(".badge.warn")).to_have_text("old")
    old = page.locator("#submissions tbody td .badge.warn")
    expect(old).to_have_count(len(PROBE_CASES) + 1)  # lee too: graded under version 3, now 4
    assert "current version is 4" in (old.first.get_attribute("title") or "")
    page.context.close()


def test_statement_is_rendered_markdown_and_cannot_inject(
    server: Server, browser: Any, probe_batch: int
) -> None:
    from playwright.sync_api import expect

    page = _page(browser, server, "/challenges")
    errors: list[str] = []
    page.on("dialog", lambda dialog: errors.append(dialog.message) or dialog.dismiss())
    answer = page.goto(server.url + "/challenges/hello-probe")
    assert answer is not None and answer.headers["content-security-policy"] == CSP
    shot = SHOTS / "12-statement.png"
    page.screenshot(path=shot, full_page=True)
    statement = page.locator("#statement")
    expect(statement.locator("h2", has_text="What to build")).to_have_count(1, timeout=2_000)
    expect(statement.locator("li").first).to_be_visible()
    expect(statement.locator("code", has_text="Hello, World!").first).to_be_visible()
    font = statement.locator("p").first.evaluate("p => getComputedStyle(p).fontFamily")
    assert "monospace" not in font, f"the statement is set in {font} (see {shot})"
    # the hostile paragraph is text, never markup
    expect(statement).to_contain_text('<script>document.title = "pwned-script"</script>')
    expect(statement).to_contain_text("<img src=")
    assert statement.locator("script, img, [onerror]").count() == 0, f"markup injected (see {shot})"
    assert statement.locator("a[href^='javascript']").count() == 0, f"a javascript: link (see {shot})"
    assert "pwned" not in page.title() and not errors
    page.context.close()
