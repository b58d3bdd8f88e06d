"""Measure the Celery executor's added cost per job against the local executor.

    .venv/bin/python benchmarks/bench_executor.py [--count 40] [--sandbox local|docker] [--rounds 2]

Grades the same batch (``--count`` distinct copies of the hello-world golden
submissions) twice per round on this machine: with the local executor at
``--jobs 2``, then through a real ``redis-server`` on loopback and two
``grader worker`` processes of concurrency 1. Same cores, same parallelism,
so the difference is overhead (packing, the broker, the result round trip),
not speed-up: ``(distributed wall - local wall) / count`` per job. Workers
are started before the clock runs (their start-up is paid once per host, not
per job). Target (issue 13): under 50 ms per job. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADER = [sys.executable, "-m", "grader"]
GOLDEN = ROOT / "tests" / "golden" / "hello-world"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _batch(subs: Path, out: Path, extra: list[str]) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([*GRADER, "batch", "hello-world", str(subs), "--out", str(out), *extra], check=True,
                   stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--sandbox", choices=["local", "docker"], default="local")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-exec-") as scratch:
        tmp = Path(scratch)
        cases = sorted(GOLDEN.iterdir())
        for i in range(args.count):
            target = tmp / "subs" / f"s{i:03d}"
            shutil.copytree(cases[i % len(cases)], target)
            (target / "id.txt").write_text(f"{i}\n")
        port = _free_port()
        url = f"redis://127.0.0.1:{port}/0"
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--dir", scratch], stdout=subprocess.DEVNULL)  # fmt: skip
        workers = []
        try:
            for name in ("b1", "b2"):
                log = tmp / f"{name}.log"
                command = [*GRADER, "worker", "--broker", url, "-n", f"{name}@bench", "-c", "1"]
                with open(log, "wb") as handle:
                    workers.append(subprocess.Popen(command, stderr=handle))
                while b" ready." not in log.read_bytes():
                    time.sleep(0.2)
            local, dist = [], []
            for _ in range(args.rounds):
                local.append(
                    _batch(tmp / "subs", tmp / "out-local", ["--sandbox", args.sandbox, "--jobs", "2"])
                )
                # a fresh Redis result store each time, so every job is graded, none reused
                subprocess.run(
                    ["redis-cli", "-p", str(port), "FLUSHALL"], check=True, stdout=subprocess.DEVNULL
                )
                dist.append(
                    _batch(tmp / "subs", tmp / "out-dist", ["--sandbox", args.sandbox, "--broker", url])
                )
        finally:
            for proc in [*workers, redis]:
                proc.terminate()
                proc.wait()
    lw, dw = statistics.median(local), statistics.median(dist)
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}")
    print(f"batch: {args.count} hello-world submissions, --sandbox {args.sandbox}, {args.rounds} round(s)")
    print(f"local executor, --jobs 2:          {lw:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in local)})")
    print(f"celery executor, 2 workers x 1:    {dw:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in dist)})")
    print(f"added per job: {1000 * (dw - lw) / args.count:+.0f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
