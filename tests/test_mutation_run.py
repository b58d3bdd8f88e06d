"""Grading mutants through the real sandboxes: verdicts, time limits, declarations, reports.

A tiny challenge written into ``tmp_path`` keeps these fast: its solution
counts down in a loop, once at import time, so one mutant (``-=`` -> ``+=``)
never lets the app start and must be stopped by the challenge's own limits.
(A loop inside a view would do in docker, where the client times out, but in
local mode the deadline's exception is raised inside the view and Flask turns
it into a 500: killed, but not reported as a time limit.)
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.errors import ChallengeError
from grader.mutation.report import to_json, to_markdown, to_text
from grader.mutation.run import MutationRun
from grader.sandbox.local import LocalSandbox

from .conftest import Cli

SOLUTION = """\
from flask import Flask

app = Flask(__name__)


def count_down(n):
    steps = 0
    while n > 0:
        n -= 1
        steps += 1
    return steps


count_down(3)  # at import time: a mutant that loops here never lets the app start


@app.get("/countdown/<int:n>")
def countdown(n):
    return {"steps": count_down(n)}
"""

HIDDEN = '''\
import pytest


@pytest.mark.points(2)
def test_countdown(client):
    """GET /countdown/3 answers {"steps": 3}."""
    response = client.get("/countdown/3")
    assert response.status == 200, response.describe()
    assert response.json() == {"steps": 3}, response.describe()


def test_post_not_allowed(client):
    """POST /countdown/3 answers 405."""
    assert client.post("/countdown/3").status == 405
'''


def write_challenge(
    root: Path, equivalents: str = "", hidden: str = HIDDEN, solution: str = SOLUTION
) -> Path:
    folder = root / "countdown"
    for sub in ("solution", "stub", "tests/hidden", "tests/public"):
        (folder / sub).mkdir(parents=True)
    (folder / "solution" / "app.py").write_text(solution)
    (folder / "stub" / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (folder / "tests" / "hidden" / "test_hidden.py").write_text(hidden)
    (folder / "tests" / "public" / "test_public.py").write_text("def test_nothing(client):\n    pass\n")
    (folder / "README.md").write_text('# Countdown\n\n`GET /countdown/<n>` answers `{"steps": n}`.\n')
    manifest = f"""\
        id = "countdown"
        title = "Countdown"
        difficulty = "easy"
        version = "1"
        points = 3

        [limits]
        start_timeout = 2
        test_timeout = 2
        run_timeout = 8
        {equivalents}
        """
    (folder / "challenge.toml").write_text(textwrap.dedent(manifest))
    return folder


def test_hanging_mutant_is_killed_by_the_time_limit_and_reported(tmp_path: Path) -> None:
    challenge = load_challenge(write_challenge(tmp_path))
    report = MutationRun(challenge, LocalSandbox(), jobs=2).run()
    by_change = {o.mutant.change: o for o in report.outcomes}
    hang = by_change["-= -> +="]
    assert hang.status == "killed" and hang.timed_out
    assert "time limit (start_timeout" in hang.detail
    assert report.timeouts == 1
    # `steps += 1` -> `-=` gives -3: killed by a failed test, not by time
    wrong = next(o for o in report.outcomes if o.mutant.id == "app.py:10:arithmetic")
    assert wrong.status == "killed" and not wrong.timed_out and "test_countdown" in wrong.detail
    # `while n >= 0` still ends, one step too many: killed by the test
    assert by_change["> -> >="].status == "killed"
    assert report.count("survived") == 0 and report.score == 1.0
    assert "(1 by a time limit)" in to_text([report], 0.9)


def test_declarations_are_honoured_and_checked(tmp_path: Path) -> None:
    weak = HIDDEN.split("\n\ndef test_post_not_allowed")[0] + "\n"  # no 405 test: method-added survives
    equivalents = """
        [[mutation.equivalent]]
        mutant = "app.py:17:method-added"
        class = "same-behaviour"
        reason = "declared for the test"

        [[mutation.equivalent]]
        mutant = "app.py:17:method-swapped"
        class = "unreachable"
        reason = "wrong on purpose: this one is killed"

        [[mutation.equivalent]]
        mutant = "app.py:99:boolean"
        class = "cost"
        reason = "names no mutant"
        """
    folder = write_challenge(tmp_path, textwrap.indent(textwrap.dedent(equivalents), " " * 8), weak)
    challenge = load_challenge(folder)
    report = MutationRun(challenge, LocalSandbox(), jobs=2).run()
    statuses = {o.mutant.id: o.status for o in report.outcomes}
    assert statuses["app.py:17:method-added"] == "equivalent"
    assert statuses["app.py:17:method-swapped"] == "killed"
    assert report.count("equivalent") == 1
    assert report.score == report.count("killed") / (report.generated - 1)
    assert any("app.py:99:boolean is not generated" in p for p in report.problems)
    assert any("app.py:17:method-swapped is declared equivalent but was killed" in p for p in report.problems)
    assert not report.ok(0.0), "a wrong declaration fails the check whatever the score"
    cap = max(1, report.generated // 10)
    assert cap < 3 and any(
        f"3 equivalent declarations exceed the cap of {cap} (10% of {report.generated} mutants): "
        f"turn at least {3 - cap} of them into tests: app.py:17:method-added, app.py:17:method-swapped, "
        "app.py:99:boolean" in p
        for p in report.problems
    ), report.problems
    score = f"{report.count('killed')}/{report.generated - 1} (1 declared equivalent)"
    assert score in to_text([report], 0.9)
    document = json.loads(to_json([report], 0.9))
    added = next(m for m in document["challenges"][0]["mutants"] if m["id"] == "app.py:17:method-added")
    assert added["reason"] == "declared for the test" and added["status"] == "equivalent"
    assert added["class"] == "same-behaviour"
    assert document["challenges"][0]["score_text"] == score
    assert "**Problem:**" in to_markdown([report], 0.9) and f"| {score} |" in to_markdown([report], 0.9)
    text = to_text([report], 0.9)
    assert "FAIL countdown" in text and "problem: mutant app.py:17:method-swapped" in text


def test_a_solution_without_full_marks_is_refused(tmp_path: Path) -> None:
    folder = write_challenge(tmp_path)
    (folder / "solution" / "app.py").write_text(SOLUTION.replace("steps += 1", "steps += 2"))
    with pytest.raises(ChallengeError, match="does not score full marks"):
        MutationRun(load_challenge(folder), LocalSandbox(), jobs=1).run()


def test_cli_exit_codes_and_formats(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weak = HIDDEN.split("\n\ndef test_post_not_allowed")[0] + "\n"
    no_loop_at_import = SOLUTION.replace("count_down(3)  #", "#")  # no mutant waits for a limit here
    write_challenge(tmp_path, hidden=weak, solution=no_loop_at_import)
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    low = cli("verify", "countdown", "--mutants", "--sandbox", "local", "--format", "markdown", "-j", "2")
    assert low.exit_code == 1, low.output
    assert "## Mutation testing" in low.stdout and "**Survived** `app.py:17:method-added`" in low.stdout
    assert (
        "```diff" in low.stdout and '+@app.route("/countdown/<int:n>", methods=["GET", "POST"])' in low.stdout
    )
    ok = cli(
        "verify", "countdown", "--mutants", "--sandbox", "local", "--min-score", "0.5", "--format", "json"
    )
    assert ok.exit_code == 0, ok.output
    document = json.loads(ok.stdout)
    assert document["ok"] and document["challenges"][0]["survived"] == 1
    assert document["min_score"] == 0.5
    default = cli("verify", "countdown", "--mutants", "--sandbox", "local", "--format", "json")
    assert default.exit_code == 1, "one survivor: below the default --min-score of 100%"
    assert json.loads(default.stdout)["min_score"] == 1.0
    both = cli("verify", "countdown", "--mutants", "--sandbox", "local", "--sandbox", "docker")
    assert both.exit_code == 2 and "one sandbox" in both.stderr
    plain = cli("verify", "countdown", "--format", "json")
    assert plain.exit_code == 2 and "--format applies to --mutants" in plain.stderr


TEMPLATE_APP = """\
from flask import Flask, render_template

app = Flask(__name__)


@app.get("/hello/<name>")
def hello(name):
    return render_template("hello.html", name=name)
"""

TEMPLATE_HIDDEN = '''\
import pytest


@pytest.mark.points(1)
def test_hello_escapes(client):
    """GET /hello/<b> greets the name, HTML-escaped."""
    response = client.get("/hello/<b>")
    assert "<p>Hello, &lt;b&gt;!</p>" in response.text, response.describe()
'''


def test_template_mutants_are_written_into_the_copy_and_graded(tmp_path: Path) -> None:
    folder = write_challenge(tmp_path, hidden=TEMPLATE_HIDDEN, solution=TEMPLATE_APP)
    (folder / "challenge.toml").write_text(
        (folder / "challenge.toml").read_text().replace("points = 3", "points = 1")
    )
    (folder / "solution" / "templates").mkdir()
    (folder / "solution" / "templates" / "hello.html").write_text(
        "<html><body>{% block body %}<p>Hello, {{ name }}!</p>{% endblock %}</body></html>\n"
    )
    report = MutationRun(load_challenge(folder), LocalSandbox(), jobs=2).run()
    statuses = {o.mutant.id: o.status for o in report.outcomes}
    assert statuses["templates/hello.html:1:template-safe-added"] == "killed"
    assert statuses["templates/hello.html:1:template-autoescape-off"] == "killed"
    assert statuses["templates/hello.html:1:template-block-dropped"] == "killed"
    assert (folder / "solution" / "templates" / "hello.html").read_text().count("|safe") == 0
