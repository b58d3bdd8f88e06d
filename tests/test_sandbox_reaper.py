"""The reaper removes a run's containers off the critical path, for certain (grader.sandbox.reaper)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from grader.sandbox import reaper

from .conftest import (
    PRUNE_GROUP,
    grader_to_kill,
    owned_containers,
    prune_from_the_shell,
    stderr_if_ended,
)


class _Container:
    """A stand-in with the one method the reaper calls (unit tests only; the docker tests use real ones)."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.calls: list[dict[str, Any]] = []

    def remove(self, **options: Any) -> None:
        if self.gate is not None:
            assert self.gate.wait(10)
        self.calls.append(options)


def test_every_handed_container_is_removed_with_its_volumes_once_drained() -> None:
    containers = [_Container() for _ in range(3)]
    reaper.remove_later(containers)
    assert reaper.drain(10)
    assert [c.calls for c in containers] == [[{"force": True, "v": True}]] * 3


class _Refusing(_Container):
    """Refused by the engine ``refusals`` times first, as a removal that met the container's own exit."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals

    def remove(self, **options: Any) -> None:
        from docker.errors import APIError

        self.calls.append(options)
        if len(self.calls) <= self.refusals:
            raise APIError("409 Conflict: Could not kill running container x, cannot remove - is not running")


@pytest.mark.parametrize(("refusals", "attempts"), [(0, 1), (1, 2), (2, 3), (5, 3)])
def test_a_refused_removal_is_tried_again_twice_at_most(
    refusals: int, attempts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moby#37698: the first forced removal can leave the container "Removal In Progress"."""
    monkeypatch.setattr(reaper, "RETRY_SECONDS", (0.0, 0.0))
    container = _Refusing(refusals)
    assert reaper.remove_now(container) == (refusals < attempts)  # removed at the last attempt at most
    assert len(container.calls) == attempts


def test_a_container_already_gone_is_not_tried_again() -> None:
    from docker.errors import NotFound

    class Gone(_Container):
        def remove(self, **options: Any) -> None:
            self.calls.append(options)
            raise NotFound("No such container")

    container = Gone()
    assert reaper.remove_now(container)
    assert len(container.calls) == 1


def test_a_burst_waits_for_the_reaper_instead_of_piling_up_live_containers() -> None:
    gate = threading.Event()
    stuck = [_Container(gate) for _ in range(reaper.MAX_PENDING)]
    reaper.remove_later(stuck)
    handed = threading.Event()
    extra = _Container()
    thread = threading.Thread(target=lambda: (reaper.remove_later([extra]), handed.set()))
    thread.start()
    try:
        assert not handed.wait(0.5), "the next hand-over waits while MAX_PENDING removals are pending"
        assert not reaper.drain(0.2), "drain says so when removals are still pending"
    finally:
        gate.set()
        thread.join(10)
    assert handed.is_set() and reaper.drain(10)
    assert extra.calls and all(c.calls for c in stuck)


_KILLED_WHILE_PENDING = """
import sys, time
sys.path.insert(0, {root!r})
from grader.challenges import get_challenge
from grader.grading import grade
from grader.sandbox import reaper
from grader.sandbox.docker import DockerSandbox

reaper.remove_now = lambda container: time.sleep(3600)  # removals stay pending until the kill
result = grade(get_challenge("hello-world"), get_challenge("hello-world").root / "solution", DockerSandbox())
print(result.status, flush=True)
time.sleep(3600)
"""


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)  # it prunes: never while another test's planted container must stay
def test_a_grader_killed_with_removals_pending_leaves_nothing_after_prune(docker_client: Any) -> None:
    with grader_to_kill(_KILLED_WHILE_PENDING) as (proc, line):
        assert line == "passed", stderr_if_ended(proc)
        assert len(owned_containers(docker_client, proc.pid)) == 2, "both containers wait for the reaper"
    prune_from_the_shell()
    assert not owned_containers(docker_client, proc.pid), "prune removes a killed grader's pending containers"
