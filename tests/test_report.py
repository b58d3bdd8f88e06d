"""``report.html``: autoescaped, self-contained, the numbers a person needs."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.output import sources
from grader.output.html import distribution, mean_percent, pass_rates, render_report
from grader.output.sources import read_sources
from grader.results import GradeResult, TestResult
from grader.staging import staged_candidates


def _result(score: float, statuses: list[str], message: str = "") -> GradeResult:
    tests = [
        TestResult(f"test_{i}", f"desc {i}", s, 1.0 if s == "passed" else 0.0, 1.0, message)
        for i, s in enumerate(statuses)
    ]
    status = "passed" if all(s == "passed" for s in statuses) else "failed"
    return GradeResult("hello-world", status, score, 2.0, "m", "docker", 1.0, tests=tests)


def test_distribution_and_pass_rates() -> None:
    results = [
        _result(2, ["passed", "passed"]),
        _result(1, ["passed", "failed"]),
        _result(0, ["failed", "failed"]),
    ]
    assert distribution(results) == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], "100 % has a bucket of its own"
    rates = pass_rates(results)
    assert [(r.name, r.passed, r.total) for r in rates] == [("test_1", 1, 3), ("test_0", 2, 3)]


def test_candidate_text_is_escaped_and_nothing_is_loaded_from_the_network() -> None:
    evil = '<script>alert("x")</script><img src=http://evil.example/x.png>'
    html = render_report(
        get_challenge("hello-world"),
        {"mallory<b>": _result(0, ["failed", "failed"], evil), "alice": _result(2, ["passed", "passed"])},
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=http" not in html
    assert "mallory&lt;b&gt;" in html
    assert "2 submissions" in html


def _error(message: str) -> GradeResult:
    return GradeResult("hello-world", "error", 0.0, 2.0, message, "docker", 0.5)


SYNTAX = (
    "app.py raised while loading:\nTraceback (most recent call last):\n  ...\nSyntaxError: expected ':'\n"
)


def test_chart_labels_stay_inside_the_chart() -> None:
    """The tallest bar's count sits above it: it must not be cut off at the top of the SVG."""
    html = render_report(
        get_challenge("hello-world"),
        {"a": _result(2, ["passed", "passed"]), "b": _result(2, ["passed", "passed"])},
    )
    svg = re.search(r"<svg[^>]*height=\"(\d+)\"[^>]*>(.*?)</svg>", html, re.S)
    assert svg is not None
    height = float(svg.group(1))
    texts = re.findall(r"<text[^>]*y=\"([\d.-]+)\"[^>]*font-size=\"(\d+)\"[^>]*>(\d+)", svg.group(2))
    assert len(texts) == 22  # a count above each bar, a bucket name below (0% ... 90%, 100%)
    for y, size, _ in texts:
        assert float(y) - float(size) >= 0 and float(y) <= height, (y, size)
    rects = re.findall(r"<rect[^>]*y=\"([\d.-]+)\"[^>]*height=\"([\d.]+)\"", svg.group(2))
    assert all(float(y) >= 0 and float(y) + float(h) <= height for y, h in rects)


def test_errors_are_counted_apart_not_as_zero_scores() -> None:
    results = {
        "full": _result(2, ["passed", "passed"]),
        "half": _result(1, ["passed", "failed"]),
        "crash": _error(SYNTAX),
    }
    values = list(results.values())
    assert mean_percent(values) == 75.0, "the mean is of the graded submissions"
    assert mean_percent([_error("x")]) is None
    assert sum(distribution(values)) == 2
    assert [(r.name, r.passed, r.total) for r in pass_rates(values)] == [("test_1", 1, 2), ("test_0", 2, 2)]
    html = render_report(get_challenge("hello-world"), results)
    assert "75%</b>mean score of the 2 graded" in html
    assert "Score distribution of the 2 graded submissions" in html
    assert "1/2 graded (50.0%)" in html
    assert "Could not be graded (1 of 3)" in html
    # the cause, not just the announcing first line, in the errors table and the submissions table
    assert html.count("app.py raised while loading: SyntaxError: expected &#39;:&#39;") >= 2


def test_error_tests_not_run_do_not_count_in_pass_rates() -> None:
    crashed = _error("the app could not be started")
    crashed.tests = [TestResult("test_0", "desc 0", "error", 0.0, 1.0, "not run")]
    rates = pass_rates([_result(2, ["passed", "passed"]), crashed])
    assert [(r.name, r.passed, r.total) for r in rates] == [("test_0", 1, 1), ("test_1", 1, 1)]


def test_each_submissions_files_are_shown_highlighted_and_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    (folder / "templates").mkdir(parents=True)
    (folder / "app.py").write_text(
        'from flask import Flask\napp = Flask(__name__)  # "</pre><script>x()</script>"\n'
    )
    (folder / "templates" / "index.html").write_text("<h1>{{ name }}</h1>\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (folder / "big.py").write_text("x = 1\n" * 6000)
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as archive:
        archive.writestr("bob/app.py", "import os\n")
    results = {"alice": _result(2, ["passed", "passed"]), "bob": _result(0, ["failed", "failed"])}
    results["carol"] = _error("gone")
    paths = {"alice": folder, "bob": tmp_path / "bob.zip", "carol": tmp_path / "carol"}
    with staged_candidates(paths.items()) as staged:
        html = render_report(get_challenge("hello-world"), results, paths, staged=staged)
    assert '<span class="kn">from</span>' in html, "Pygments highlighted the Python"
    assert "<script>x()</script>" not in html and "&lt;/pre&gt;&lt;script&gt;" in html
    assert "templates/index.html" in html and '<span class="nt">h1</span>' in html
    assert "Not shown (not text, or past the report's size cap): logo.png" in html
    assert "(first part of 36000 bytes)" in html
    assert '<span class="nn">os</span>' in html, "archives are read too"
    assert "Files not shown: no such file or folder:" in html
    assert ".highlight .kn" in html, "the highlighting styles are inline"
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_sources_cap_lines_per_file_and_per_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of empty lines costs a numbered line each: lines are capped like bytes."""
    monkeypatch.setattr(sources, "MAX_FILE_LINES", 30)
    monkeypatch.setattr(sources, "MAX_SUBMISSION_LINES", 70)
    for i in range(4):
        (tmp_path / f"n{i}.py").write_text("\n" * 500)
    shown = read_sources(tmp_path)
    assert [str(f.html).count('class="linenos"') for f in shown.files] == [30, 30, 10]
    assert all(f.truncated for f in shown.files) and shown.not_shown == ["n3.py"]


def test_sources_cap_every_file_and_the_whole_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 600)
    monkeypatch.setattr(sources, "MAX_SUBMISSION_BYTES", 1500)
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text("y = 2\n" * 200)  # 1200 bytes each
    shown = read_sources(tmp_path)
    assert [f.path for f in shown.files] == ["m0.py", "m1.py", "m2.py"]
    assert all(f.truncated and f.size == 1200 for f in shown.files)
    assert [str(f.html).count('class="linenos"') for f in shown.files] == [100, 100, 50]
    assert shown.not_shown == ["m3.py", "m4.py", "m5.py"], (
        "past the submission's cap, files are listed, not shown"
    )


def test_the_ranked_candidates_come_before_the_test_rates_which_are_folded() -> None:
    results = {
        "ann": _result(1, ["passed", "failed"]),
        "bob": _result(2, ["passed", "passed"]),
        "cid": _error("no Flask app found"),
        "dee": _result(0, ["failed", "failed"]),
    }
    html = render_report(get_challenge("hello-world"), results)
    assert html.index('id="submissions"') < html.index('id="tests"') < html.index('id="rates"')
    assert html.index('id="submissions"') < html.index("Score distribution")
    assert re.search(r'<details id="tests"><summary>', html)
    table = html[html.index('id="submissions"') : html.index("</table>", html.index('id="submissions"'))]
    rows = re.findall(r"<td data-value=\"\w+\"><a href=\"#sub-\d+\">(\w+)</a>", table)
    assert rows == ["bob", "ann", "dee", "cid"]  # best first, the ungradable last


def test_each_submissions_details_list_failures_first() -> None:
    result = _result(1, ["passed", "failed", "passed", "error"])
    html = render_report(get_challenge("hello-world"), {"ann": result})
    details = html[html.index('<details id="sub-1">') :]
    order = re.findall(r"<code>(test_\d)</code>", details)
    assert order == ["test_1", "test_3", "test_0", "test_2"]


def test_similarity_is_in_the_candidates_table_and_each_candidates_details(tmp_path: Path) -> None:
    from grader.similarity import analyse_paths

    corpus = Path(__file__).parent / "similarity" / "json-post"
    names = ["alice", "alice-rename", "bob", "carol"]
    similarity = analyse_paths(get_challenge("json-post"), [(n, corpus / n) for n in names])
    results = {n: _result(2, ["passed", "passed"]) for n in names}
    html = render_report(get_challenge("json-post"), results, similarity=similarity)
    table = html[html.index('id="submissions"') : html.index("</table>", html.index('id="submissions"'))]
    assert re.search(r"1\.00 with alice-rename <b class=\"flag\">flagged</b>", table)
    details = html[html.index('<details id="sub-1">') : html.index('<section id="similarity">')]
    assert "Similarity flagged</b> with alice-rename" in details
    assert details.count("Closest other submission") + details.count("No other submission shares") == 2


def test_an_error_row_names_the_submission_not_its_host_path(tmp_path: Path) -> None:
    batch = tmp_path / "hr" / "batch"
    batch.mkdir(parents=True)
    broken = batch / "kim.zip"
    broken.write_text("not a zip")
    message = f"{broken}: not a readable archive (File is not a zip file)"
    html = render_report(get_challenge("hello-world"), {"kim": _error(message)}, sources={"kim": broken})
    assert str(tmp_path) not in html
    assert "kim.zip: not a readable archive" in html
