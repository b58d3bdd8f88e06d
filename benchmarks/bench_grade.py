"""Measure grading speed on this machine; the README quotes its output.

    .venv/bin/python benchmarks/bench_grade.py [--copies 4] [--singles 5]

Prints, in one run on one machine:

1. wall time of a single ``grader grade`` in docker mode (the CLI, as a user
   runs it, including Python start-up), median and max over ``--singles`` runs:
   as a candidate iterating runs it (each grading finds a spare pair the
   previous ones left, see README "Spare containers"), two seconds apart and
   back to back (then each shares the two cores with making the next spare),
   and cold (``GRADER_POOL=0``: both containers made for the run);
2. batch throughput (submissions per minute) at ``--jobs 1`` and ``--jobs 2``
   on ``--copies`` copies of the hello-world golden submissions (a batch keeps
   runner containers, two per job, see README "Spare containers"; its first
   gradings make their pairs while the runners start);
3. the floor: the same hidden suite run by bare pytest, in-process with
   Flask's test client (the local runner), one submission after another;
4. the ratio of batch wall time at ``--jobs 2`` to the floor;
5. the per-phase split (median seconds per phase, from the results'
   ``timing``) of the single grades and of the batch at ``--jobs 2``.

Targets (issue 21, 2-core machine, image built): one grade (pooled) at most
1.5 x the floor's time a submission; hello-world batch at 2 jobs >= 100
submissions/min and at most 1.3 x the floor.
Nothing here is asserted: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADER = [sys.executable, str(ROOT / "cli.py")]
GOLDEN = ROOT / "tests" / "golden" / "hello-world"
HIDDEN = ROOT / "challenges" / "hello-world" / "tests" / "hidden"


def _run(command: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def single_grades(
    count: int, pool: str = "2", gap: float = 0.0
) -> tuple[list[float], list[dict[str, float]]]:
    """CLI wall times, and each grading's own ``timing`` split (``pool``: ``GRADER_POOL``).

    ``gap``: seconds between two gradings (a candidate edits between them); with none, each
    grading shares the two cores with the making of the spare the previous one left.
    """
    solution = ROOT / "challenges" / "hello-world" / "solution"
    command = GRADER + ["grade", "hello-world", str(solution), "--format", "json"]
    env = {**os.environ, "GRADER_POOL": pool}
    _run(command, env=env)  # warm the page cache (and leave a spare, when pooled)
    walls: list[float] = []
    timings: list[dict[str, float]] = []
    for _ in range(count):
        time.sleep(gap)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        walls.append(time.perf_counter() - started)
        timings.append(json.loads(done.stdout).get("timing", {}) if done.stdout.strip() else {})
    return walls, timings


def phase_medians(timings: list[dict[str, float]]) -> str:
    """``phase median`` pairs, in the order the phases happen (app_ready overlaps the runner's)."""
    names = list(dict.fromkeys(name for timing in timings for name in timing))
    return ", ".join(
        f"{name} {statistics.median(t[name] for t in timings if name in t):.3f}" for name in names
    )


def make_batch(folder: Path, copies: int) -> int:
    cases = sorted(p for p in GOLDEN.iterdir() if (p / "expected.toml").is_file())
    for copy in range(copies):
        for case in cases:
            shutil.copytree(case, folder / f"{case.name}-{copy}")
    return len(cases) * copies


def batch_seconds(folder: Path, jobs: int) -> tuple[float, list[dict[str, float]]]:
    with tempfile.TemporaryDirectory() as out:
        seconds = _run(
            GRADER + ["batch", "hello-world", str(folder), "--out", out, "--jobs", str(jobs), "--force"]
        )
        results = Path(out, "results.json")
        document = json.loads(results.read_text(encoding="utf-8")) if results.is_file() else []
        return seconds, [entry.get("timing", {}) for entry in document]


def floor_seconds(folder: Path) -> float:
    """Bare pytest on the hidden suite, in-process, each submission in turn."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    for submission in sorted(folder.iterdir()):
        with tempfile.TemporaryDirectory() as scratch:
            env["UPLOAD_FOLDER"] = scratch
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "grader.testkit.runner",
                    "--tests",
                    str(HIDDEN),
                    "--app-dir",
                    str(submission),
                    "--report",
                    os.path.join(scratch, "r.json"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=scratch,
                check=False,
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--singles", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    # As installed: pip compiles the package's modules when it installs them. A checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every grader module on every start (the
    # CLI and the floor's runner alike), which no installed grader does.
    compileall.compile_dir(ROOT / "grader", quiet=1)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        count = make_batch(folder, args.copies)
        floor = floor_seconds(folder)
        per_submission = floor / count
        print(
            f"floor (bare pytest in-process, {count} submissions): {floor:.1f} s, "
            f"{60 * count / floor:.0f}/min, {per_submission:.3f} s a submission"
        )
        runs = (
            ("2", 2.0, "pooled, 2 s apart"),
            ("2", 0.0, "pooled, back to back"),
            ("0", 0.0, "cold: GRADER_POOL=0"),
        )
        for pool, gap, what in runs:
            singles, timings = single_grades(args.singles, pool, gap)
            median = statistics.median(singles)
            print(
                f"single grade (docker, CLI wall, {what}): median {median:.2f} s "
                f"({median / per_submission:.2f} x the floor's submission), max {max(singles):.2f} s "
                f"over {len(singles)} runs" + ("   [target <= 1.5 x]" if gap else "")
            )
            print(f"  phases (median s): {phase_medians(timings)}")
        for jobs in (1, 2):
            seconds, timings = batch_seconds(folder, jobs)
            ratio = seconds / floor
            print(
                f"batch --jobs {jobs} (docker, {count} submissions): {seconds:.1f} s, "
                f"{60 * count / seconds:.0f}/min, {ratio:.2f} x floor"
                + ("   [targets >= 100/min, <= 1.3 x floor]" if jobs == 2 else "")
            )
            print(f"  phases (median s): {phase_medians(timings)}")


if __name__ == "__main__":
    main()
