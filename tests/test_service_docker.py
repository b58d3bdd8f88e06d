"""End to end in the official sandbox: ``grader serve`` grading in Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .service_support import Api, Server, golden_zip, make_team, zip_folder

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_service_grades_in_the_docker_sandbox(tmp_path: Path, docker_client: Any) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, sandbox="docker", workers=2).start()
    try:
        api = Api(server, token)
        good = api.upload(zip_folder(ROOT / "challenges" / "hello-world" / "solution"), "solution.zip").json()
        bad = api.upload(golden_zip("no-escape"), "no-escape.zip").json()
        passed = api.wait_done(f"/submissions/{good['id']}", timeout=120)["result"]
        failed = api.wait_done(f"/submissions/{bad['id']}", timeout=120)["result"]
    finally:
        assert server.stop() == 0
    assert passed["status"] == "passed" and passed["sandbox"] == "docker"
    assert passed["image"] and passed["image"].startswith("sha256:")
    assert failed["status"] == "failed"
    assert [t["name"] for t in failed["tests"] if t["status"] != "passed"] == ["test_hello_escapes_html"]
