"""Benchmark of ``grader serve``: result polling throughput, and the service's added latency.

Starts a real service (waitress) on a scratch data folder, then measures:

* requests per second of ``GET /api/v1/submissions/{id}`` for a done result,
  from ``--clients`` threads for ``--seconds`` seconds;
* wall time of one grading through the service (upload, then poll every
  20 ms until done) against ``grader grade`` on the command line, same
  submission and sandbox, ``--runs`` times each; the difference of the
  medians is what the service adds.

Usage: ``.venv/bin/python benchmarks/bench_service.py [--sandbox docker|local]``
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "challenges" / "hello-world" / "solution"


def _grader(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _poll_rps(url: str, token: str, clients: int, seconds: float) -> float:
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < stop:
            session.get(url, timeout=10).raise_for_status()
            counts[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def _grade_through_service(api: str, session: requests.Session, archive: bytes) -> float:
    started = time.monotonic()
    answer = session.post(
        f"{api}/submissions",
        data={"challenge": "hello-world", "regrade": "true"},
        files={"file": ("solution.zip", archive)},
        timeout=30,
    )
    answer.raise_for_status()
    while session.get(f"{api}/submissions/{answer.json()['id']}", timeout=10).json()["status"] != "done":
        time.sleep(0.02)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", choices=["docker", "local"], default="docker")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-service-") as scratch:
        data = Path(scratch, "data")
        _grader("admin", "create-team", "bench", "--data-dir", str(data))
        token = _grader("admin", "create-token", "--team", "bench", "--data-dir", str(data)).splitlines()[-1]
        log = open(Path(scratch, "server.log"), "w+")  # noqa: SIM115 - the server writes to it until the end
        server = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", "--data-dir", str(data), "--port", "0",
             "--sandbox", args.sandbox, "--workers", "1"],
            stdout=log, stderr=log,
        )  # fmt: skip
        try:
            while not (found := re.search(r"serving on (\S+)", Path(scratch, "server.log").read_text())):
                time.sleep(0.1)
            api = found.group(1) + "/api/v1"
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            archive = _zip(SOLUTION)
            _grade_through_service(api, session, archive)  # warm-up: image check, imports
            service = sorted(_grade_through_service(api, session, archive) for _ in range(args.runs))
            cli = []
            for _ in range(args.runs):
                started = time.monotonic()
                subprocess.run(
                    [sys.executable, "-m", "grader", "grade", "hello-world", str(SOLUTION),
                     "--sandbox", args.sandbox, "--format", "json"],
                    capture_output=True, check=False,
                )  # fmt: skip
                cli.append(time.monotonic() - started)
            rps = _poll_rps(f"{api}/submissions/1", token, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=60)
    cli_median, service_median = statistics.median(cli), statistics.median(service)
    print(f"sandbox {args.sandbox}, {args.runs} runs each, hello-world reference solution")
    print(f"result polling: {rps:.0f} requests/s ({args.clients} clients, {args.seconds:g} s)")
    print(f"grader grade (CLI wall time): median {cli_median:.2f} s, max {max(cli):.2f} s")
    print(f"through the service (upload to done): median {service_median:.2f} s, max {max(service):.2f} s")
    print(f"added by the service: {service_median - cli_median:+.2f} s (median difference)")


if __name__ == "__main__":
    main()
