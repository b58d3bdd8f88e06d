"""The red-team corpus: hostile and broken submissions graded for real in Docker.

Each folder of ``tests/redteam/`` is a submission with an ``expected.toml``:
``status`` (exact), and optionally ``max_score``, ``message_contains``
(substrings of the result's or a test's message), ``limits_hit`` (limits
that must be recorded) and ``limits_hit_exactly`` (the whole list). Whatever
a submission does, the run must end within its whole-run limit plus a small
margin, never pass when it should not, and leave no container, volume or
network behind.
"""

from __future__ import annotations

import resource
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge

from .conftest import ROOT, Cli, owned_containers

REDTEAM = ROOT / "tests" / "redteam"
CASES = sorted(p.parent for p in REDTEAM.glob("*/expected.toml"))
#: How far past its whole-run limit a grading may end (container stop and removal).
MARGIN_SECONDS = 8.0


def _expected(case: Path) -> dict[str, Any]:
    return tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))


def _volumes_and_networks(client: Any) -> set[str]:
    """Everything of these kinds on the engine (the grader should create none)."""
    volumes = {f"volume {v.name}" for v in client.volumes.list()}
    return volumes | {f"network {n.id}" for n in client.networks.list()}


def test_the_corpus_is_large_and_covers_every_threat() -> None:
    assert len(CASES) >= 20
    prefixes = {case.name.split("-")[0] for case in CASES}
    assert {"hang", "res", "resp", "cheat", "escape", "broken"} <= prefixes


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_hostile_submission_gets_a_bounded_honest_result(cli: Cli, docker_client: Any, case: Path) -> None:
    expected = _expected(case)
    challenge = get_challenge(expected.get("challenge", "hello-world"))
    objects_before = _volumes_and_networks(docker_client)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    code, result = cli.grade_json(challenge.id, case, "docker")
    elapsed = time.monotonic() - started
    note = f"{case.name} ({expected.get('note', '')}): {result['status']} {result['message'][:300]!r}"

    assert result["status"] == expected["status"], note
    assert code == (0 if expected["status"] == "passed" else 1)
    assert elapsed < challenge.limits.run_timeout + MARGIN_SECONDS, note
    if "max_score" in expected:
        assert result["score"] <= expected["max_score"], note
    messages = " ".join([result["message"]] + [t["message"] for t in result["tests"]]).lower()
    for needle in expected.get("message_contains", []):
        assert needle.lower() in messages, f"{needle!r} not said: {note}"
    for limit in expected.get("limits_hit", []):
        assert limit in result["limits_hit"], note
    if "limits_hit_exactly" in expected:
        assert sorted(result["limits_hit"]) == sorted(expected["limits_hit_exactly"]), note
    assert not owned_containers(docker_client), f"{case.name} left containers behind"
    created = _volumes_and_networks(docker_client) - objects_before
    assert not created, f"{case.name} left volumes or networks behind: {created}"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 200 * 1024, "the grader's own memory stays bounded"
    assert threading.active_count() < 20
