"""Spare container pairs (grader/sandbox/pool.py, spares.py): made ahead, claimed once, never stale.

The engine is real; what a spare may be used for is checked as data (the
pool key), what it does and who owns it against the engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import Limits, get_challenge
from grader.grading import grade, run_request
from grader.sandbox import pool, spares
from grader.sandbox.docker import DockerSandbox, prune
from grader.sandbox.owner import LABEL_OWNER, owner
from grader.sandbox.pool import LABEL_POOL, pool_dir, pool_key
from grader.sandbox.reaper import drain

from .conftest import (
    PRUNE_GROUP,
    ROOT,
    containers_of_runs,
    grader_to_kill,
    owned_containers,
    pooled_request,
    prune_from_the_shell,
    stderr_if_ended,
)

pytestmark = pytest.mark.usefixtures("own_pool")  # each test its own pool folder (conftest)


def test_a_spare_fits_only_what_it_was_made_for(tmp_path: Path) -> None:
    """A rebuilt image, a changed suite, other limits or another [env] each make another key."""
    request = pooled_request("hello-world")
    root = tmp_path
    key = pool_key(request, "sha256:a", root)
    assert key == pool_key(request, "sha256:a", root), "the key is a pure function"
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_x.py").write_text("def test_x(): pass\n")
    changed_suite = replace(request, tests_dir=suite)
    others = {
        "image": pool_key(request, "sha256:b", root),
        "suite": pool_key(changed_suite, "sha256:a", root),
        "limits": pool_key(replace(request, limits=Limits(memory_mb=64)), "sha256:a", root),
        "env": pool_key(replace(request, env_template={"X": "1"}), "sha256:a", root),
        "first failure": pool_key(replace(request, first_failure=True), "sha256:a", root),
        "pool folder": pool_key(request, "sha256:a", root / "other"),
    }
    assert key not in others.values() and len(set(others.values())) == len(others)
    (suite / "test_x.py").write_text("def test_x(): assert True\n")
    assert pool_key(changed_suite, "sha256:a", root) != others["suite"], "a suite's content, not its name"
    twin = tmp_path / "twin"
    shutil.copytree(suite, twin)
    assert pool_key(replace(request, tests_dir=twin), "sha256:a", root) != pool_key(
        changed_suite, "sha256:a", root
    ), "the same suite in another folder: the runner of a spare mounts the folder it was made with"


def test_drawn_secrets_do_not_change_the_key_and_each_spare_draws_its_own() -> None:
    request = pooled_request("login-session")
    assert request.env != run_request(get_challenge("login-session"), ROOT).env, "secrets are drawn per run"
    image = "sha256:a"
    assert pool_key(request, image, Path("/p")) == pool_key(
        run_request(get_challenge("login-session"), ROOT), image, Path("/p")
    )


def _spare_apps(client: Any, key: str) -> list[Any]:
    found = client.containers.list(all=True, sparse=True, filters={"label": f"{LABEL_POOL}={key}"})
    return [c for c in found if pool.is_spare(c.attrs) and c.attrs["Labels"].get(pool.LABEL_ROLE) == "app"]


@pytest.mark.docker
def test_a_spare_runs_nothing_of_a_submission_before_its_go(docker_client: Any) -> None:
    """Only the launcher runs in a waiting spare; its submission folder is empty; its secrets are its own."""
    sandbox = DockerSandbox(client=docker_client, spares=2)
    request = pooled_request("login-session")
    assert sandbox.warm(request) >= 2
    key = pool_key(request, sandbox.image_id(), pool_dir())
    apps = _spare_apps(docker_client, key)
    assert len(apps) >= 2
    envs = []
    for summary in apps[:2]:
        app = docker_client.containers.get(summary.id)
        processes = app.top()["Processes"]
        assert len(processes) == 1 and "launch.py" in " ".join(processes[0]), processes
        run_id = app.labels[pool.LABEL_RUN]
        assert list((pool_dir() / run_id / "submission").iterdir()) == []
        envs.append({e for e in app.attrs["Config"]["Env"] if e.startswith("SECRET_KEY=")})
    assert envs[0] != envs[1], "each spare drew its own secret"
    spares.remove_spares(docker_client, pool_dir())


@pytest.mark.docker
def test_one_spare_is_claimed_once(docker_client: Any) -> None:
    """Two claims race for one spare: one gets it, the other none; the claimed pair names its claimer."""
    maker = DockerSandbox(client=docker_client, spares=1)
    request = pooled_request("json-post")
    assert maker.warm(request) == 1, "one spare, in a pool folder of this test's own"
    key = pool_key(request, maker.image_id(), pool_dir())
    got: list[Any] = []
    claimers = [spares.Spares(lambda: docker_client, 1, pool_dir()) for _ in range(2)]
    start = threading.Barrier(2)

    def claim(claimer: spares.Spares) -> None:
        start.wait()
        got.append(claimer.claim(key)[0])

    threads = [threading.Thread(target=claim, args=(c,)) for c in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    pairs = [p for p in got if p is not None]
    assert len(pairs) == 1, got
    pair = pairs[0]
    pair.app.reload()
    assert pair.app.name == f"grader-app-{pair.run_id}-by-{owner().split(':')[1]}-{pool.pid_namespace()}"
    spares.discard(pair)


@pytest.mark.docker
def test_a_spare_that_waited_too_long_is_not_claimed_but_replaced(
    docker_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = DockerSandbox(client=docker_client, spares=1)
    request = pooled_request("hello-world")
    assert sandbox.warm(request) >= 1
    key = pool_key(request, sandbox.image_id(), pool_dir())
    with monkeypatch.context() as too_old:  # (not monkeypatch.undo(): that would undo own_pool's folder too)
        too_old.setattr(spares, "MAX_AGE_SECONDS", -1.0)  # every spare is too old now
        too_old.setattr(spares, "SWEEP_GRACE_SECONDS", 0.0)
        challenge = get_challenge("hello-world")
        result = grade(challenge, challenge.root / "solution", sandbox)
        assert result.status == "passed"
        assert "create" in result.timing, "graded in a pair made for it, not in the old spare"
        spares.drain()  # the sweep ran in the background: the old spares are gone
        assert drain()
    for summary in _spare_apps(docker_client, key):
        assert pool.age(summary.attrs) < 60, "only spares made after the sweep are left"
    spares.remove_spares(docker_client, pool_dir())


_KILLED_WHILE_POOLED = """
import sys, time
sys.path.insert(0, {root!r})
from grader.challenges import get_challenge
from grader.grading import grade, run_request
from grader.sandbox import reaper
from grader.sandbox.docker import DockerSandbox

reaper.remove_now = lambda container: time.sleep(3600)  # the claimed pair stays until the kill
sandbox = DockerSandbox(spares=2)
challenge = get_challenge("hello-world")
sandbox.warm(run_request(challenge, challenge.root))
result = grade(challenge, challenge.root / "solution", sandbox)
from grader.sandbox.spares import drain
drain()
print(result.status, "claim" in result.timing and "create" not in result.timing, flush=True)
time.sleep(3600)
"""


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)
def test_a_grader_killed_while_containers_are_pooled_leaves_nothing_after_prune(docker_client: Any) -> None:
    """SIGKILL with spares waiting and a claimed pair pending: `grader sandbox prune` removes it all."""
    with grader_to_kill(_KILLED_WHILE_POOLED) as (proc, line):
        assert line == "passed True", stderr_if_ended(proc) or line
        everything = owned_containers(docker_client, proc.pid, spares=True)
        pooled = [c for c in everything if pool.is_spare(c.attrs)]
        assert len(pooled) >= 4 and len(everything) >= 6, "spares (two pairs) and the claimed pair"
        runs = {c.attrs["Labels"][pool.LABEL_RUN] for c in everything}
        assert all((pool_dir() / c.attrs["Labels"][pool.LABEL_RUN]).is_dir() for c in pooled), "spares' slots"
    prune_from_the_shell()
    assert not containers_of_runs(docker_client, runs), "prune leaves nothing"
    assert not any((pool_dir() / run).exists() for run in runs), "nor their slots"
    assert not owned_containers(docker_client, proc.pid, spares=True)


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)  # its spares' maker exits: a prune elsewhere may remove them
def test_the_grader_command_leaves_its_next_spare_to_a_detached_child(docker_client: Any) -> None:
    """`grader grade` from the shell exits once its verdict is out; a child of its own makes the next
    spare (no import again, no wait at exit), and the next `grader grade` claims it."""
    command = [sys.executable, str(ROOT / "cli.py"), "grade", "hello-world"]
    command += [str(ROOT / "challenges/hello-world/solution"), "--format", "json"]
    results = []
    for _ in range(2):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout))
        key = pool_key(
            pooled_request("hello-world"), DockerSandbox(client=docker_client).image_id(), pool_dir()
        )
        deadline = time.monotonic() + 30
        while (
            not spares.Spares(lambda: docker_client, 1, pool_dir()).waiting(key)
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)  # both of its containers running: claimable
        spare = _spare_apps(docker_client, key)
        assert spare, "a spare waits after the command exited"
        maker = spare[0].attrs["Labels"][LABEL_OWNER]
        assert maker.rpartition(":")[2].isdigit() and maker != owner(), "made by a process of the command's"
    assert "claim" in results[1]["timing"] and "create" not in results[1]["timing"]
    spares.remove_spares(docker_client, pool_dir())


_WARM_AND_EXIT = """
import sys
sys.path.insert(0, {root!r})
from grader.challenges import get_challenge
from grader.grading import run_request
from grader.sandbox.docker import DockerSandbox
print(DockerSandbox(spares=1).warm(run_request(get_challenge("hello-world"), {root!r})))
"""


def _spare_of_a_dead_maker(docker_client: Any) -> tuple[Any, pool.Slot]:
    """One spare in this test's pool folder, made by a process that has exited since (prune may remove it)."""
    done = subprocess.run(
        [sys.executable, "-c", _WARM_AND_EXIT.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip() == "1", done.stderr
    key = pool_key(pooled_request("hello-world"), DockerSandbox(client=docker_client).image_id(), pool_dir())
    (app,) = _spare_apps(docker_client, key)
    slot = pool.slot_in(app.attrs)
    assert slot is not None and slot.path == pool_dir() / slot.run_id, "its slot, read back from its mounts"
    return app, slot


def _pair_of(docker_client: Any, run_id: str) -> list[Any]:
    return docker_client.containers.list(
        all=True, sparse=True, filters={"label": f"{pool.LABEL_RUN}={run_id}"}
    )


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)
def test_prune_leaves_a_spare_being_claimed_until_its_claimer_is_dead(docker_client: Any) -> None:
    """A claim takes the slot, then renames the pair: a prune between the two must not remove it.

    A spare whose maker exited is prune's to remove, unless a live process
    has taken its slot; once that process is dead, prune removes pair and slot.
    """
    app, slot = _spare_of_a_dead_maker(docker_client)
    claimer = subprocess.Popen(["sleep", "120"])
    try:
        (slot.path / "claimed").write_text(f"{owner(claimer.pid)} {pool.pid_namespace()}")
        prune(docker_client)
        assert len(_pair_of(docker_client, slot.run_id)) == 2, "a live claimer's spare is left"
        assert slot.path.is_dir()
    finally:
        claimer.kill()
        claimer.wait(10)
    prune(docker_client)
    assert not _pair_of(docker_client, slot.run_id), "its claimer died: both containers removed"
    assert not slot.path.exists(), "and its slot"
    assert not docker_client.containers.list(all=True, filters={"id": app.id})


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)
def test_prune_takes_the_slot_of_a_spare_it_removes(docker_client: Any) -> None:
    """Unclaimed, of a dead maker: prune claims it first (a claimer coming later finds it taken)."""
    _, slot = _spare_of_a_dead_maker(docker_client)
    assert pool.may_remove(_pair_of(docker_client, slot.run_id)[0].attrs, pool_dir()), "nobody holds it"
    assert (slot.path / "claimed").is_file() and not slot.take(), "and holds it now: no claim can follow"
    assert pool.may_remove(_pair_of(docker_client, slot.run_id)[1].attrs, pool_dir()), "and its other one"
    prune(docker_client)
    assert not _pair_of(docker_client, slot.run_id) and not slot.path.exists()


@pytest.mark.docker
def test_a_refill_sweeps_only_its_own_pool_folder(docker_client: Any, tmp_path: Path) -> None:
    """An exited spare of another pool folder (another user's, another test process's) is not this one's."""
    theirs = DockerSandbox(client=docker_client, spares=1)
    request = pooled_request("hello-world")
    assert theirs.warm(request) == 1
    key = pool_key(request, theirs.image_id(), pool_dir())
    (app,) = _spare_apps(docker_client, key)
    docker_client.containers.get(app.id).kill()
    run_id = app.attrs["Labels"][pool.LABEL_RUN]
    mine = spares.Spares(lambda: docker_client, 1, tmp_path / "mine")
    (tmp_path / "mine").mkdir()
    listing = pool.summaries(docker_client)
    assert any(s["Id"] == app.id and s["State"] == "exited" for s in listing)
    mine.refill(request, theirs.image_id(), pool_key(request, theirs.image_id(), tmp_path / "mine"), listing)
    spares.drain()
    drain()
    assert len(_pair_of(docker_client, run_id)) == 2, "another folder's exited spare is left"
    spares.remove_spares(docker_client, tmp_path / "mine")
    for container in _pair_of(docker_client, run_id):
        container.remove(force=True)


@pytest.mark.docker
def test_an_orphan_slot_is_removed_only_once_its_maker_is_dead(tmp_path: Path, docker_client: Any) -> None:
    """A slot made a moment ago has no containers yet: its maker is still making them."""
    made = pool.Slot.make(pool_dir(), "0123456789ab")
    assert pool.remove_orphan_slots(docker_client) == 0 and made.path.is_dir(), "its maker (this test) lives"
    gone = subprocess.Popen(["true"])
    gone.wait(10)
    (made.path / "maker").write_text(f"{owner(gone.pid)} {pool.pid_namespace()}")
    assert pool.remove_orphan_slots(docker_client) == 1 and not made.path.exists()


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)
def test_a_prune_leaves_the_spares_of_another_pool_folder(
    docker_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user's, host's or test process's pool folder is its own graders' to prune: a prune of
    this folder neither removes its spares nor writes in it (a claim there may be under way)."""
    _, slot = _spare_of_a_dead_maker(docker_client)
    theirs = pool_dir()
    monkeypatch.setenv("GRADER_POOL_DIR", str(tmp_path / "another"))
    prune(docker_client)
    assert len(_pair_of(docker_client, slot.run_id)) == 2, "another folder's spare is left"
    assert not (slot.path / "claimed").exists(), "and nothing written in that folder"
    monkeypatch.setenv("GRADER_POOL_DIR", str(theirs))
    prune(docker_client)
    assert not _pair_of(docker_client, slot.run_id) and not slot.path.exists(), (
        "its own folder's prune removes it"
    )
