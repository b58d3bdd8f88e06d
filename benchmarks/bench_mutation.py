"""Measure ``grader verify --mutants`` on this machine; the README quotes its output.

    .venv/bin/python benchmarks/bench_mutation.py [--sandbox docker local] [--jobs 2]

For each sandbox, grades every shipped challenge's mutants (as
``grader verify --mutants`` does, one challenge after another, the mutants
of one challenge in parallel) and prints per challenge the mutant count,
the score and the wall time, then the total. The load average before and
after is printed too: the machine is shared, and the figures only mean
something next to it. Nothing here is asserted: it is a measurement.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.challenges import list_challenges  # noqa: E402
from grader.mutation.run import MutationRun  # noqa: E402
from grader.sandbox import make_sandbox  # noqa: E402


def measure(sandbox_name: str, jobs: int) -> float:
    sandbox = make_sandbox(sandbox_name)
    total = 0.0
    print(f"\n{sandbox_name}, {jobs} at once")
    print("| challenge | mutants | killed | equivalent | survived | score | wall time |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for challenge in list_challenges():
        started = time.perf_counter()
        report = MutationRun(challenge, sandbox, jobs).run()
        wall = time.perf_counter() - started
        total += wall
        print(
            f"| {challenge.id} | {report.generated} | {report.count('killed')} | "
            f"{report.count('equivalent')} | {report.count('survived')} | "
            f"{100 * report.score:.1f}% | {wall:.1f} s |",
            flush=True,
        )
    print(f"| total | | | | | | {total:.1f} s |")
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox", nargs="+", default=["docker", "local"], choices=["docker", "local"])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for name in args.sandbox:
        measure(name, args.jobs)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
