"""Private challenges per team against a real ``grader serve`` (local sandbox): add, verify, grade, hide."""

from __future__ import annotations

import io
import re
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from grader.cli import main

from .private_support import SOLUTION, app_zip, write_challenge, zipped
from .service_support import Api, Server, login_http, make_team

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("private")
    data = root / "data"
    data.mkdir()
    tokens = {"a": make_team(data, "alpha", user="alice"), "b": make_team(data, "beta", user="bert")}
    server = Server(data).start()
    yield {
        "server": server,
        "data": data,
        "root": root,
        "a": Api(server, tokens["a"]),
        "b": Api(server, tokens["b"]),
    }
    assert server.stop() == 0


def add_challenge(data: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["admin", "add-challenge", "--data-dir", str(data), "--sandbox", "local", *args]
    )


def upload(api: Api, archive: bytes, name: str = "ping.zip") -> requests.Response:
    return api.post("/challenges", files={"file": (name, archive)})


def wait_verified(api: Api, location: str, timeout: float = 120) -> requests.Response:
    """Poll an upload's revision until it is no longer verifying."""
    path = location.split("/api/v1", 1)[1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api.get(path)
        if answer.status_code != 200 or answer.json()["status"] != "verifying":
            return answer
        time.sleep(0.25)
    raise AssertionError(f"{path} still verifying after {timeout} s")


def add_via_api(api: Api, folder: Path) -> dict[str, Any]:
    answer = upload(api, zipped(folder))
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "verifying"
    verified = wait_verified(api, answer.headers["Location"])
    assert verified.status_code == 200 and verified.json()["status"] == "ready", verified.text
    body: dict[str, Any] = verified.json()
    return body


def graded_tests(api: Api, challenge: str, answer: str) -> dict[str, Any]:
    sent = api.upload(app_zip(answer), "app.zip", challenge=challenge)
    assert sent.status_code == 202, sent.text
    return api.wait_done(f"/submissions/{sent.json()['id']}")


def test_cli_adds_a_sound_challenge_stored_privately_under_generated_names(env: dict[str, Any]) -> None:
    data: Path = env["data"]
    folder = write_challenge(env["root"] / "cli-source", "cli-ping")
    result = add_challenge(data, "--team", "alpha", str(folder))
    assert result.exit_code == 0, result.output
    assert "added cli-ping version 1+r1 for team alpha" in result.stdout
    stored = data / "private"
    folders = [p for p in stored.rglob("*") if p.is_dir()]
    assert folders and all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in [stored, *folders])
    files = [p for p in stored.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    team_dirs = list(stored.iterdir())
    assert [p.name for p in team_dirs] == ["1"]  # alpha's id, not a name from the upload
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in team_dirs[0].iterdir())
    assert not any("cli" in part for p in stored.rglob("*") for part in p.relative_to(stored).parts)
    listed = {c["id"]: c for c in env["a"].get("/challenges").json()}
    assert listed["cli-ping"]["private"] is True and listed["cli-ping"]["version"] == "1+r1"
    assert listed["hello-world"]["private"] is False  # built-ins stay available
    assert "cli-ping" not in {c["id"] for c in env["b"].get("/challenges").json()}


def test_cli_refuses_an_unsound_challenge_one_line_per_reason(env: dict[str, Any]) -> None:
    data, root = env["data"], env["root"]
    wrong = write_challenge(root / "cli-wrong", "cli-wrong", answer="pang")
    result = add_challenge(data, "--team", "alpha", str(wrong))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()[1:]  # the first names the data folder
    reasons = [line for line in lines if line.startswith("refused: ")]
    assert any("solution scores full marks (local)" in line for line in reasons), lines
    assert "Traceback" not in result.output and str(data) not in "".join(reasons)
    assert "cli-wrong" not in {c["id"] for c in env["a"].get("/challenges").json()}
    shadow = add_challenge(data, "--team", "alpha", str(write_challenge(root / "shadow", "hello-world")))
    assert shadow.exit_code == 1
    assert "refused: id hello-world is a built-in challenge's: a private challenge may not shadow it" in (
        shadow.stderr
    )
    broken = write_challenge(root / "broken", "cli-broken")
    (broken / "stub" / "app.py").unlink()
    (broken / "stub").rmdir()
    refused = add_challenge(data, "--team", "alpha", str(broken))
    assert (
        refused.exit_code == 1
        and "refused: manifest is valid" in refused.stderr
        and "missing stub" in (refused.stderr)
    )
    assert (
        f"refused: manifest is valid: {broken}: missing stub" in refused.stderr
    )  # its own path, not scratch
    nobody = add_challenge(data, "--team", "nobody", str(wrong))
    assert nobody.exit_code == 2 and "no team named 'nobody'" in nobody.stderr


def test_api_upload_is_verified_then_graded_with_its_own_hidden_suite(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    folder = write_challenge(env["root"] / "api-a", "api-ping", hidden_test="test_alpha_secret_ping")
    added = add_via_api(a, folder)
    assert added["id"] == "api-ping" and added["revision"] == 1 and added["problems"] == []
    passed = graded_tests(a, "api-ping", "pong")
    assert passed["status"] == "done" and passed["result"]["status"] == "passed", passed
    assert [t["name"] for t in passed["result"]["tests"]] == ["test_alpha_secret_ping"]
    assert passed["challenge_version"] == "1+r1"
    failed = graded_tests(a, "api-ping", "pang")
    assert failed["result"]["status"] == "failed", failed["result"]["message"]
    assert a.get("/challenges/api-ping").json()["private"] is True


def test_another_team_cannot_see_list_or_grade_it_and_may_use_the_same_id(env: dict[str, Any]) -> None:
    a, b = env["a"], env["b"]
    add_via_api(a, write_challenge(env["root"] / "iso-a", "iso-ping", hidden_test="test_alpha_iso"))
    assert "iso-ping" not in {c["id"] for c in b.get("/challenges").json()}
    for path in ("/challenges/iso-ping", "/challenges/iso-ping/revisions/1"):
        answer = b.get(path)
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/problem+json", (
            path
        )
    assert b.upload(app_zip("pong"), "app.zip", challenge="iso-ping").status_code == 404
    batch = b.post("/batches", data={"challenge": "iso-ping"}, files={"file": ("b.zip", app_zip("pong"))})
    assert batch.status_code == 404
    bert, url = login_http(env["server"], "bert"), env["server"].url
    assert bert.get(url + "/challenges/iso-ping", timeout=30).status_code == 404
    assert "iso-ping" not in bert.get(url + "/challenges", timeout=30).text
    assert "iso-ping" not in bert.get(url + "/upload", timeout=30).text
    alice = login_http(env["server"], "alice")  # the owner's pages do show it
    assert "iso-ping" in alice.get(url + "/upload", timeout=30).text
    assert alice.get(url + "/challenges/iso-ping", timeout=30).status_code == 200
    # beta's own iso-ping: its own revision 1 and its own suite, alpha's untouched
    mine = add_via_api(b, write_challenge(env["root"] / "iso-b", "iso-ping", hidden_test="test_beta_iso"))
    assert mine["revision"] == 1
    assert [t["name"] for t in graded_tests(b, "iso-ping", "pong")["result"]["tests"]] == ["test_beta_iso"]
    assert [t["name"] for t in graded_tests(a, "iso-ping", "pong")["result"]["tests"]] == ["test_alpha_iso"]


def test_api_refuses_an_unsound_challenge_with_the_reasons(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    root: Path = env["root"]
    wrong = upload(a, zipped(write_challenge(root / "api-wrong", "api-wrong", answer="pang")))
    assert wrong.status_code == 202, wrong.text
    refused = wait_verified(a, wrong.headers["Location"])
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert any(p.startswith("solution scores full marks (local)") for p in body["problems"]), body
    assert body["detail"].startswith("the challenge is not sound: ")
    assert a.upload(app_zip("pang"), "app.zip", challenge="api-wrong").status_code == 404  # never usable
    shadow = upload(a, zipped(write_challenge(root / "api-shadow", "hello-world")))
    assert shadow.status_code == 422 and shadow.json()["field"] == "file"
    assert "may not shadow" in shadow.json()["problems"][0]
    bad_id = upload(a, zipped(write_challenge(root / "api-bad-id", "Bad_Id")))
    assert bad_id.status_code == 422 and "is not allowed" in bad_id.json()["detail"]
    unsafe = io.BytesIO()
    with zipfile.ZipFile(unsafe, "w") as archive:
        archive.writestr("../evil/challenge.toml", "id = 'x'")
    answer = upload(a, unsafe.getvalue())
    assert answer.status_code == 400 and str(env["data"]) not in answer.text
    assert upload(a, b"print(1)", "ping.py").json()["field"] == "file"


def test_a_new_version_marks_older_results_outdated(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    root: Path = env["root"]
    add_via_api(a, write_challenge(root / "ver-1", "ver-ping", hidden_test="test_first_suite"))
    old = graded_tests(a, "ver-ping", "pong")
    assert old["challenge_version"] == "1+r1"
    second = add_via_api(a, write_challenge(root / "ver-2", "ver-ping", hidden_test="test_second_suite"))
    assert second["revision"] == 2 and second["version"] == "1+r2"
    assert a.get("/challenges/ver-ping").json()["version"] == "1+r2"
    page = login_http(env["server"], "alice").get(env["server"].url + "/challenges/ver-ping", timeout=30).text
    assert 'id="outdated"' in page and f"#{old['id']}" in page and "graded against version 1+r1" in page
    assert a.post(f"/submissions/{old['id']}/regrade").status_code == 202
    again = a.wait_done(f"/submissions/{old['id']}")
    assert again["challenge_version"] == "1+r2"
    assert [t["name"] for t in again["result"]["tests"]] == ["test_second_suite"]


def test_the_dashboard_uploads_a_challenge_and_shows_its_state(env: dict[str, Any]) -> None:
    server: Server = env["server"]
    http = login_http(server, "alice")
    page = http.get(server.url + "/challenges", timeout=30).text
    assert "built-in challenges' hidden suites are public" in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    archive = zipped(write_challenge(env["root"] / "web", "web-ping"))
    answer = http.post(
        server.url + "/challenges/upload",
        data={"csrf_token": token.group(1)},
        files={"file": ("web.zip", archive)},
        timeout=30,
    )
    assert answer.status_code == 200 and "web-ping revision 1 is being verified" in answer.text
    assert wait_verified(env["a"], "/api/v1/challenges/web-ping/revisions/1").json()["status"] == "ready"
    text = http.get(server.url + "/challenges", timeout=30).text
    assert re.search(
        r"<code>web-ping</code> Ping</td><td>1</td><td>1\+r1</td>\s*<td>[^<]*</td>\s*"
        r'<td class="state-ready">ready</td>',
        text,
    ), text
    assert '<code>web-ping</code> <span class="badge">private</span>' in text
    refused = http.post(
        server.url + "/challenges/upload",
        data={"csrf_token": token.group(1)},
        files={"file": ("shadow.zip", zipped(write_challenge(env["root"] / "web-shadow", "hello-world")))},
        timeout=30,
    )
    assert "refused: id hello-world is a built-in challenge" in refused.text


@pytest.mark.docker
def test_verified_and_graded_in_the_docker_sandbox(tmp_path: Path, docker_client: Any) -> None:
    """The stored suite is 0700 for the service's user; the runner container (another user) still reads it."""
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, sandbox="docker", workers=1).start()
    try:
        api = Api(server, token)
        added = add_via_api(
            api, write_challenge(tmp_path / "src", "dock-ping", hidden_test="test_docker_secret")
        )
        passed = graded_tests(api, "dock-ping", "pong")
        failed = graded_tests(api, "dock-ping", "pang")
    finally:
        assert server.stop() == 0
    assert added["version"] == "1+r1"
    assert passed["result"]["status"] == "passed" and passed["result"]["sandbox"] == "docker"
    assert [t["name"] for t in passed["result"]["tests"]] == ["test_docker_secret"]
    assert failed["result"]["status"] == "failed", failed["result"]["message"]
    assert stat.S_IMODE((data / "private" / "1").stat().st_mode) == 0o700


def test_golden_cases_in_the_upload_must_get_their_verdicts(env: dict[str, Any]) -> None:
    folder = write_challenge(env["root"] / "gold", "gold-ping")
    for case, answer in (("right", "pong"), ("wrong", "pang")):
        (folder / "golden" / case).mkdir(parents=True)
        (folder / "golden" / case / "app.py").write_text(SOLUTION.format(answer=answer), encoding="utf-8")
        (folder / "golden" / case / "expected.toml").write_text('status = "passed"\n', encoding="utf-8")
    result = add_challenge(env["data"], "--team", "alpha", str(folder))
    assert result.exit_code == 1, result.output
    assert "refused: golden case wrong: expected passed, got failed" in result.stderr
    assert "golden case right" not in result.stderr
    (folder / "golden" / "wrong" / "expected.toml").write_text(
        'status = "failed"\nmust_fail = ["test_ping_answers_pong"]\n', encoding="utf-8"
    )
    fixed = add_challenge(env["data"], "--team", "alpha", str(folder))
    assert fixed.exit_code == 0, fixed.output
    assert "added gold-ping version 1+r2" in fixed.stdout  # the refused upload was revision 1


def test_a_verification_past_its_time_bound_is_refused_saying_so(env: dict[str, Any]) -> None:
    slow = write_challenge(env["root"] / "slow", "slow-ping")
    hidden = slow / "tests" / "hidden" / "test_hidden.py"
    hidden.write_text(
        "import time\n"
        + hidden.read_text(encoding="utf-8").replace(
            "    response =", "    time.sleep(4)\n    response =", 1
        ),
        encoding="utf-8",
    )
    started = time.monotonic()
    result = add_challenge(env["data"], "--team", "alpha", "--timeout", "2", str(slow))
    assert result.exit_code == 1, result.output
    assert "refused: verification took longer than 2 s" in result.stderr
    assert time.monotonic() - started < 30


def test_an_upload_left_verifying_is_verified_at_the_next_start(tmp_path: Path) -> None:
    from grader.service.app import create_app
    from grader.service.private import add_private

    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    app = create_app({"DATA_DIR": str(data), "START_JOBS": False})
    running = app.extensions["grader"]
    with running.db.session() as session:
        row = add_private(
            session, data, running.intake.scratch, 1, write_challenge(tmp_path / "src", "left-ping"), "src"
        )
        assert row.status == "verifying"
    server = Server(data).start()
    try:
        verified = wait_verified(Api(server, token), "/api/v1/challenges/left-ping/revisions/1")
    finally:
        assert server.stop() == 0
    assert verified.status_code == 200 and verified.json()["status"] == "ready"


def test_stopping_the_service_cancels_a_verification_and_keeps_it_for_the_next_start(tmp_path: Path) -> None:
    from sqlalchemy import select

    from grader.service.app import create_app
    from grader.service.models import PrivateChallenge

    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    slow = write_challenge(tmp_path / "slow", "slow-stop")
    hidden = slow / "tests" / "hidden" / "test_hidden.py"
    text = hidden.read_text(encoding="utf-8").replace(
        "    response =", "    time.sleep(4)\n    response =", 1
    )
    hidden.write_text("import time\n" + text, encoding="utf-8")
    server = Server(data).start()
    try:
        assert upload(Api(server, token), zipped(slow)).status_code == 202
        time.sleep(1.5)  # the verification is under way: its first grading sleeps 4 s
    finally:
        started = time.monotonic()
        assert server.stop() == 0
    assert time.monotonic() - started < 10  # not the 4 gradings of 4 s each
    app = create_app({"DATA_DIR": str(data), "START_JOBS": False})
    with app.extensions["grader"].db.session() as session:
        assert session.scalars(select(PrivateChallenge.status)).all() == ["verifying"]


def test_a_private_suite_copy_outlives_its_grading_for_the_next_ones_spares(tmp_path: Path) -> None:
    """The readable copy is named by its content and kept: a spare made during one grading mounts it."""
    from grader.challenges import load_challenge
    from grader.service.catalog import PRIVATE, gradable

    data = tmp_path / "data"
    stored = write_challenge(data / PRIVATE / "1" / "f", "keep-ping")
    challenge = load_challenge(stored, named_by_folder=False)
    scratch = tmp_path / "scratch"
    scratch.mkdir(mode=0o700)
    with gradable(challenge, data, scratch) as first:
        pass
    with gradable(challenge, data, scratch) as second:
        assert second.root == first.root, "one copy per content"
    assert (first.hidden_tests / "test_hidden.py").is_file(), "kept after the grading"
    assert stat.S_IMODE(first.hidden_tests.stat().st_mode) == 0o755
    assert stat.S_IMODE((first.hidden_tests / "test_hidden.py").stat().st_mode) == 0o644
    assert "keep-ping" not in str(first.root.relative_to(scratch)), "no name on disk from the upload"
    (stored / "tests" / "hidden" / "test_hidden.py").write_text("def test_new(client): pass\n")
    with gradable(load_challenge(stored, named_by_folder=False), data, scratch) as changed:
        assert changed.root != first.root, "a new revision's content is a copy of its own"
