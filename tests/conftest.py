"""Shared fixtures: the real CLI entry point, the real Docker engine, and a real headless browser.

Docker tests never skip silently: if the engine or the image is missing they
fail with the reason, because a grader whose sandbox is untested is untested.
Run ``pytest -m "not docker"`` for the fast local subset.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import main

from .ci_guard import pytest_runtest_logreport, pytest_sessionfinish  # noqa: F401 - hooks: CI never skips

ROOT = Path(__file__).resolve().parents[1]
#: Each test process (an xdist worker) its own pool of spare containers, shared with the graders it
#: starts: a spare one test made for itself is never claimed by another worker's grading.
os.environ["GRADER_POOL_DIR"] = tempfile.mkdtemp(prefix="grader-pool-")
atexit.register(shutil.rmtree, os.environ["GRADER_POOL_DIR"], True)
GOLDEN = ROOT / "tests" / "golden"
#: Challenges whose hidden suite sleeps (seconds of idle cores per grading): tests that grade many
#: submissions of one grade more of them at once. Read from the suites: a new sleeping one joins.
SLEEPING = frozenset(
    challenge.name
    for challenge in (ROOT / "challenges").iterdir()
    if any("time.sleep(" in suite.read_text() for suite in challenge.glob("tests/hidden/*.py"))
)
#: Debian's chromium, driven by Playwright (never a downloaded browser)
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: screenshots of the browser tests, kept for a person to look at
SHOTS = ROOT / "test-output" / "browser"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite tests/golden/*/*/snapshot.json from the local verdicts (review the diff)",
    )


class Cli:
    """Runs ``grader`` in-process through click, as the console script would."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        return self.runner.invoke(main, list(args), catch_exceptions=False)

    def grade_json(self, challenge: str, path: Path | str, sandbox: str) -> tuple[int, dict[str, Any]]:
        result = self("grade", challenge, str(path), "--sandbox", sandbox, "--format", "json")
        if not result.stdout.strip():
            pytest.fail(f"grade printed no result (exit {result.exit_code}): {result.stderr.strip()}")
        return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    from grader.sandbox.docker import DockerSandbox
    from grader.sandbox.pool import pool_dir
    from grader.sandbox.reaper import drain
    from grader.sandbox.spares import drain as drain_spares
    from grader.sandbox.spares import remove_spares

    sandbox = DockerSandbox()
    sandbox.image_id()  # fails the test with "run grader sandbox build" if missing
    yield sandbox.client
    drain()
    drain_spares()
    remove_spares(sandbox.client, pool_dir())  # this process's pool folder: the engine is left as found
    shutil.rmtree(pool_dir(), ignore_errors=True)


def free_port() -> int:
    """A free loopback port for a server a test starts that must be told a number (redis-server,
    PostgreSQL). An app under grading never gets one: it serves a socket bound for it (appkit.ports)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def grader_to_kill(script: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A grader process running ``script`` (``{root}`` filled in) and the first line it printed.

    The test checks what the grader left while it runs, then lets the block
    end: the process is killed with SIGKILL there, and on any failure.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", script.format(root=str(ROOT))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline().strip()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
        proc.wait(10)


def stderr_if_ended(proc: subprocess.Popen[str]) -> str:
    """What a grader process that ended wrote to stderr (for a failure message); empty while it runs."""
    return proc.stderr.read() if proc.poll() is not None and proc.stderr is not None else ""


@pytest.fixture
def own_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test its own pool folder, so its own spares and its own pool key for kept runners.

    Nothing another test made or claims counts; its unclaimed spares are removed at the end.
    """
    root = tmp_path / "pool"
    monkeypatch.setenv("GRADER_POOL_DIR", str(root))
    yield root
    if root.is_dir() and any(root.iterdir()):
        from grader.sandbox import spares
        from grader.sandbox.engine import connect

        spares.drain()
        spares.remove_spares(connect(), root)


def containers_of_runs(client: Any, runs: set[str]) -> list[Any]:
    """The containers, of any owner, that carry one of these run ids (what a prune must have removed)."""
    from grader.sandbox.owner import LABEL_RUN

    found = client.containers.list(all=True, sparse=True, filters={"label": LABEL_RUN})
    return [c for c in found if c.attrs["Labels"].get(LABEL_RUN) in runs]


def prune_from_the_shell() -> None:
    """`grader sandbox prune` as a user types it, in a process of its own; it must succeed."""
    pruned = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "sandbox", "prune"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert pruned.returncode == 0, pruned.stderr


def pooled_request(challenge_id: str) -> Any:
    """The run request a grading of ``challenge_id``'s hidden suite makes (for ``DockerSandbox.warm``)."""
    from grader.challenges import get_challenge
    from grader.grading import run_request

    return run_request(get_challenge(challenge_id), ROOT)


def warm_spare(challenge_id: str) -> None:
    """A spare pair waits for the next docker grading of ``challenge_id`` (fails if none could be made)."""
    from grader.sandbox.docker import DockerSandbox

    assert DockerSandbox(spares=1).warm(pooled_request(challenge_id)) >= 1, "no spare pair was made"


def owned_containers(
    client: Any, pid: int | None = None, *, spares: bool = False, **filters: str
) -> list[Any]:
    """Containers a grader process owns (this one by default); other gradings may run too.

    Owned as ``grader sandbox prune`` counts it: a pair claimed from the pool
    belongs to its claimer. Spares (made ahead, claimed by nobody yet: they
    belong to no run), and this process's kept runners waiting with their
    next app (once the runners released by the last gradings are back:
    :mod:`grader.sandbox.kept`) are left out unless ``spares``.
    """
    from grader.sandbox.kept import runners
    from grader.sandbox.owner import LABEL, LABEL_OWNER, owner, owner_of
    from grader.sandbox.pool import is_spare

    waiting = set() if spares or pid not in (None, os.getpid()) else runners().waiting_ids()
    # sparse: the list answer itself; a full list inspects each container and fails if one is
    # removed meanwhile (another grading finishing)
    found = client.containers.list(all=True, sparse=True, filters={"label": LABEL, **filters})
    return [
        c
        for c in found
        if owner_of(c.attrs).get(LABEL_OWNER) == owner(pid)
        and (spares or not is_spare(c.attrs))
        and c.id not in waiting
    ]


#: The xdist group of the tests that remove other processes' containers or need them kept: a
#: ``grader sandbox prune``, a Docker-sandbox worker (it prunes on start and every few minutes) and
#: a test that plants a dead stranger's container and checks that it survives. They run one after
#: another on one pytest-xdist worker (``--dist loadgroup``), so one's prune never removes
#: another's plant. Every other Docker test looks only at its own process's containers.
PRUNE_GROUP = "docker-prune"


def _module_fixtures(item: pytest.Item) -> bool:
    """Whether the test uses a module-scoped fixture of its own module (a server, a mutation run)."""
    info = getattr(item, "_fixtureinfo", None)
    path = item.nodeid.split("::")[0]
    return info is not None and any(
        defs and defs[-1].scope == "module" and defs[-1].baseid.startswith(path)
        for defs in info.name2fixturedefs.values()
    )


#: What a test is counted as when the run is ordered (seconds, a rough guess, never a limit): a
#: ``slow`` test without ``seconds=``, a Docker test, and any other test. The long units carry their
#: own estimate, ``@pytest.mark.slow(seconds=N)`` (measured on the 2-core CI machine).
SLOW_SECONDS = 2.0
DOCKER_SECONDS = 1.5
LIGHT_SECONDS = 0.2


def estimated_seconds(item: pytest.Item) -> float:
    """A test's rough duration, for ordering the run only: the largest ``slow(seconds=N)`` it carries."""
    marked = [float(m.kwargs.get("seconds", SLOW_SECONDS)) for m in item.iter_markers("slow")]
    if marked:
        return max(marked)
    return DOCKER_SECONDS if item.get_closest_marker("docker") else LIGHT_SECONDS


def _group_name(mark: pytest.Mark) -> str:
    """An ``xdist_group`` mark's name, read as pytest-xdist reads it."""
    return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))


def _unit(item: pytest.Item) -> str:
    """What pytest-xdist's ``--dist loadgroup`` sends to one worker: the test's group, or the test alone."""
    group = item.get_closest_marker("xdist_group")
    return item.nodeid if group is None else _group_name(group)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Shape the run for pytest-xdist (``scripts/test.sh``): shared fixtures made once, long work first.

    - A module-scoped fixture is made once per worker that runs one of the module's tests, so a
      module with one (a ``grader serve`` process, a mutation run) becomes one xdist group: all
      its tests go to one worker. This runs before xdist's own hook, which reads the groups.
    - The units of work (a group, or a lone test) are sent out longest first, by the estimate
      of :func:`estimated_seconds`: a long unit started last would be the run's tail, with the
      other worker idle. ``scripts/test.sh`` passes ``--no-loadscope-reorder``, so xdist keeps
      this order (by default it orders the units by their number of tests, which sent the
      challenges' two-test mutation groups, the longest units, out after every module group).

    Without xdist the groups are inert marks and only the order changes.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))

    cost: dict[str, float] = {}
    for item in items:
        cost[_unit(item)] = cost.get(_unit(item), 0.0) + estimated_seconds(item)
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        first.setdefault(_unit(item), index)
    position = {item.nodeid: index for index, item in enumerate(items)}
    # longest unit first (ties in collected order); a unit's tests together, in their collected order
    items.sort(key=lambda item: (-cost[_unit(item)], first[_unit(item)], position[item.nodeid]))


def _group_end(item: pytest.Item) -> str:
    """How pytest-xdist ends a grouped test's node id on a worker: ``@`` and its groups' names."""
    names = {_group_name(mark) for mark in item.iter_markers("xdist_group")}
    return "@" + "_".join(sorted(names)) if names else ""


def pytest_collection_finish(session: pytest.Session) -> None:
    """On a ``--dist loadgroup`` worker: fail the run if a grouped test lost its group.

    pytest-xdist tells the controller a test's group by the ``@group`` end of its node id,
    which it writes on the worker; with a pytest it cannot write that on (pytest-xdist#1386:
    pytest 9.2), every group is spread over the workers without a word. Two processes would
    then prune each other's plants and make module servers and mutation runs twice.
    """
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in session.items if not item.nodeid.endswith(_group_end(item))]
    if lost:
        message = (
            f"pytest-xdist dropped the xdist_group of {len(lost)} tests (e.g. {lost[0]}): this pytest "
            f"({pytest.__version__}) and pytest-xdist do not group; install what pyproject.toml allows"
        )
        os.write(2, f"error: {message}\n".encode())  # a worker's exception reaches the controller as a crash
        raise pytest.UsageError(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium for one test module (the service's browser tests share this one fixture)."""
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run ./scripts/test.sh once (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()
