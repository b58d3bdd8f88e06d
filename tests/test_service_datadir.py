"""The data folder: private modes, and what a SIGKILLed service left is removed at the next start."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from grader.sandbox.owner import LABEL, LABEL_OWNER, LABEL_PIDNS, pid_namespace

from .conftest import PRUNE_GROUP
from .service_support import Api, Server, batch_archive, golden_zip, make_team


def _modes(folder: Path) -> dict[str, set[str]]:
    """Every entry under ``folder`` (and itself) by its mode, octal."""
    found: dict[str, set[str]] = {}
    for path in [folder, *folder.rglob("*")]:
        found.setdefault(oct(stat.S_IMODE(path.lstat().st_mode)), set()).add(str(path.relative_to(folder)))
    return found


def _modes_within(tree: Path) -> dict[str, set[str]]:
    """Like :func:`_modes`, but relative to the tree's parent (so it merges with the parent's own)."""
    found: dict[str, set[str]] = {}
    for path in [tree, *tree.rglob("*")]:
        found.setdefault(oct(stat.S_IMODE(path.lstat().st_mode)), set()).add(
            str(path.relative_to(tree.parent))
        )
    return found


def _dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _events(client: Any, since: float) -> list[str]:
    """Every container the engine destroyed since ``since`` (its recent-events buffer): when, which
    owner, so a failure shows whether one prune removed many owners' containers at once."""
    found = client.events(
        since=int(since),
        until=int(time.time()) + 1,
        filters={"type": "container", "event": "destroy"},
        decode=True,
    )
    shown = []
    for event in found:
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        when = time.strftime("%H:%M:%S", time.gmtime(event.get("time", 0)))
        millis = event.get("timeNano", 0) % 10**9 // 10**6
        shown.append(f"{when}.{millis:03d} {attributes.get('name')} {attributes.get(LABEL_OWNER)}")
    return shown


def _scratch_of(pid: int, host: str | None = None, pidns: str | None = None) -> str:
    return f"proc-{pidns or pid_namespace()}-{pid}-{host or socket.gethostname()}"


@pytest.mark.slow
def test_data_folder_and_everything_in_it_are_private(tmp_path: Path) -> None:
    """Finding 13: the folder and its folders 0700, every file 0600 (database, secret, webhooks).

    Except each submission's stored tree: readable, never writable, by the
    sandbox's user (0755/0644), inside its own 0700 folder, so no other
    user of the machine reaches it.
    """
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    token = make_team(data, "alpha")
    server = Server(data, workers=1).start()
    try:
        api = Api(server, token)
        sub = api.upload(golden_zip("no-comma"), "one.zip").json()["id"]
        batch = api.post(
            "/batches",
            data={"challenge": "hello-world"},
            files={"file": ("b.tar.gz", batch_archive({"ann": "methodview", "bob": "no-app"}))},
        ).json()["id"]
        api.wait_done(f"/submissions/{sub}")
        api.wait_done(f"/batches/{batch}")
        api.post("/webhooks", json={"url": "https://hr.example/hook"})
    finally:
        assert server.stop() == 0
    trees = sorted((data / "submissions").glob("*/files"))
    assert len(trees) == 3, "one stored tree per submission: the upload and both batch members"
    for tree in trees:
        assert _modes(tree.parent) == {"0o700": {"."}, **_modes_within(tree)}
        assert set(_modes_within(tree)) <= {"0o755", "0o644"}
        assert not any(stat.S_IMODE(p.lstat().st_mode) & 0o022 for p in [tree, *tree.rglob("*")])
        shutil.rmtree(tree)
    modes = _modes(data)
    assert set(modes) == {"0o700", "0o600"}, modes
    files = {str(p.relative_to(data)) for p in data.rglob("*") if p.is_file()}
    assert modes["0o600"] == files and {"grader.db", "secret_key"} <= files


def test_an_open_data_folder_is_tightened_at_start(tmp_path: Path) -> None:
    """Finding 13: a folder and database left readable by an older version are made private."""
    from grader.service.app import create_app

    data = tmp_path / "data"
    (data / "submissions" / "1").mkdir(parents=True)
    for path in (data, data / "submissions", data / "submissions" / "1"):
        path.chmod(0o755)
    (data / "submissions" / "1" / "old.zip").write_bytes(b"")
    (data / "grader.db").write_bytes(b"")
    for path in (data / "grader.db", data / "submissions" / "1" / "old.zip"):
        path.chmod(0o644)
    create_app({"DATA_DIR": str(data), "START_JOBS": False})
    assert set(_modes(data)) == {"0o700", "0o600"}


@pytest.mark.slow
def test_start_removes_the_scratch_of_dead_service_processes_only(tmp_path: Path) -> None:
    """Finding 15: a killed service's staged candidate code goes at the next start; nobody else's does."""
    data = tmp_path / "data"
    data.mkdir()
    make_team(data, "alpha")
    dead = data / "tmp" / _scratch_of(_dead_pid()) / "grader-sub-x" / "submission"
    alive = data / "tmp" / _scratch_of(os.getpid()) / "grader-sub-y"
    elsewhere = data / "tmp" / _scratch_of(_dead_pid(), host="another-host") / "grader-sub-z"
    other_ns = data / "tmp" / _scratch_of(_dead_pid(), pidns="4026531836999") / "grader-sub-w"
    for folder in (dead, alive, elsewhere, other_ns):
        folder.mkdir(parents=True)
        (folder / "app.py").write_text("candidate code\n")
    server = Server(data, workers=1).start()
    try:
        assert not dead.parent.parent.exists()
        assert alive.exists() and elsewhere.exists() and other_ns.exists()
        mine = data / "tmp" / _scratch_of(server.process.pid)  # type: ignore[union-attr]
        assert mine.is_dir()
    finally:
        assert server.stop() == 0


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.xdist_group(PRUNE_GROUP)  # its dead stranger's container must survive every prune
def test_start_prunes_the_containers_of_its_dead_predecessor_only(tmp_path: Path, docker_client: Any) -> None:
    """Finding 15: containers labelled with a dead service of this data folder go; others stay.

    In PRUNE_GROUP so that this suite's own prunes leave the stranger alone; the claim is read from
    the service's count of what it removed, which no other process can change."""
    data = tmp_path / "data"
    data.mkdir()
    make_team(data, "alpha")
    predecessor, stranger = _dead_pid(), _dead_pid()
    (data / "tmp" / _scratch_of(predecessor)).mkdir(parents=True)

    def leftover(pid: int) -> Any:
        labels = {
            LABEL: "1",
            LABEL_OWNER: f"{socket.gethostname()}:{pid}",
            LABEL_PIDNS: pid_namespace(),
            "org.flask-grader.test": "svc-intake",
        }
        return docker_client.containers.create("flask-grader-sandbox:latest", ["true"], labels=labels)

    ours, theirs = leftover(predecessor), leftover(stranger)
    since = time.time() - 5
    try:
        server = Server(data, sandbox="docker", workers=1).start()
        assert server.stop() == 0
        names = {c.id for c in docker_client.containers.list(all=True, sparse=True, filters={"label": LABEL})}
        assert ours.id not in names, "the dead predecessor's container is pruned"
        # The stranger is the bait: a service that pruned more than its predecessor's containers
        # would remove it too and count it. Whether it is still there is not the claim: any
        # `grader sandbox prune` or docker worker elsewhere on this engine may remove a dead
        # process's container at any moment (seen in CI), so the service's own count is read.
        log = server.log.read_text(errors="replace")
        swept = re.findall(r"removed (\d+) container\(s\) left by (\S+)", log)
        assert swept == [("1", _scratch_of(predecessor))], (
            f"the service removes its dead predecessor's one container and nothing else: {log[-2000:]}; "
            f"containers the engine destroyed meanwhile: {_events(docker_client, since)}"
        )
        assert not (data / "tmp" / _scratch_of(predecessor)).exists()
    finally:
        from docker.errors import NotFound

        for container in (ours, theirs):
            with contextlib.suppress(NotFound):  # removed by the service, as the test checks
                container.remove(force=True)
