"""Similarity: precision and recall on the test corpus, and time for 100 and 500 submissions.

    .venv/bin/python benchmarks/bench_similarity.py [--sizes 100 500] [--copydetect]

Prints, in one run on one machine:

1. on ``tests/similarity`` (ground truth in ``corpus.toml``), for several
   thresholds: pairs flagged, true and false positives, missed copies,
   precision and recall, and the lowest copy score against the highest score
   of an independent pair (the margin the threshold sits in);
2. the wall time of the whole analysis (reading every submission through the
   staging code, fingerprinting, the index, the exact comparisons) for
   batches of ``--sizes`` submissions. Each synthetic submission is one of the
   corpus's json-post files with its identifiers renamed at random, so every
   submission is a copy of about ``size / 14`` others: a worst case for the
   index, which a real batch of mostly independent work is far below;
3. with ``--copydetect`` (if that package is installed), the same batches
   through copydetect 0.5, for comparison (docs/similarity.md).

Nothing here is asserted: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.challenges import get_challenge  # noqa: E402
from grader.similarity import analyse_paths  # noqa: E402
from grader.similarity.analysis import DEFAULT_THRESHOLD  # noqa: E402

CORPUS = ROOT / "tests" / "similarity"
THRESHOLDS = (0.3, 0.4, DEFAULT_THRESHOLD, 0.6, 0.7, 0.8)
IDENTIFIER = re.compile(
    r"\b(?!(?:def|return|if|not|or|and|in|is|for|import|from|as|try|except|with|global|None|True|False)\b)([a-z_][a-z0-9_]{3,})\b"
)


def corpus_quality() -> None:
    truth = tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))
    scores: dict[str, list[tuple[float, bool]]] = {}
    disguises: list[tuple[str, str, float]] = []
    for challenge_id, spec in truth.items():
        items = [(p.name, p) for p in sorted((CORPUS / challenge_id).iterdir()) if p.is_dir()]
        copies = {pair for family in spec["families"] for pair in combinations(sorted(family), 2)}
        report = analyse_paths(get_challenge(challenge_id), items, threshold=0.0)
        exact = {(p.a, p.b): p for p in report.pairs}
        for a, b in combinations(sorted(name for name, _ in items), 2):
            pair = exact.get((a, b))
            is_copy = (a, b) in copies
            enough = pair is not None and pair.shared_tokens >= 40
            scores.setdefault(challenge_id, []).append((pair.score if enough and pair else 0.0, is_copy))
        print(f"corpus {challenge_id}: {len(items)} submissions, {len(copies)} copied pairs")
        for family in spec["families"]:
            for member in family[1:]:
                pair = exact.get(tuple(sorted((family[0], member))))  # type: ignore[arg-type]
                disguises.append((family[0], member, pair.score if pair else 0.0))
    every = [s for values in scores.values() for s in values]
    positives = sum(1 for _, c in every if c)
    print(f"\n{'threshold':>9} {'flagged':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>6}")
    for threshold in THRESHOLDS:
        tp = sum(1 for s, c in every if c and s >= threshold)
        fp = sum(1 for s, c in every if not c and s >= threshold)
        precision = tp / (tp + fp) if tp + fp else 1.0
        mark = "  <- default" if threshold == DEFAULT_THRESHOLD else ""
        print(
            f"{threshold:>9.2f} {tp + fp:>7} {tp:>4} {fp:>4} {positives - tp:>4} "
            f"{precision:>9.2f} {tp / positives:>6.2f}{mark}"
        )
    print("\noriginal ~ copy: score")
    for original, member, score in disguises:
        print(f"  {original} ~ {member}: {score:.2f}")
    lowest_copy = min(s for s, c in every if c)
    highest_other = max(s for s, c in every if not c)
    print(f"\nlowest score of a copied pair {lowest_copy:.2f}; of an independent pair {highest_other:.2f}")


def make_batch(folder: Path, size: int, seed: int = 1) -> list[tuple[str, Path]]:
    """Every submission a renamed copy of one of the 14 json-post corpus files."""
    rng = random.Random(seed)
    sources = sorted((CORPUS / "json-post").glob("*/app.py"))
    items = []
    for number in range(size):
        text = rng.choice(sources).read_text(encoding="utf-8")
        names = sorted(set(IDENTIFIER.findall(text)))
        for name in rng.sample(names, min(5, len(names))):
            text = re.sub(rf"\b{name}\b", f"{name}_{rng.randrange(10**6)}", text)
        # and a function of its own, so no two submissions are the same once normalised
        text += f"\n\ndef own_{number}(value):\n    return value * {rng.randrange(10**6)} + {number}\n"
        target = folder / f"s{number:04d}"
        target.mkdir(parents=True)
        (target / "app.py").write_text(text, encoding="utf-8")
        items.append((target.name, target))
    return items


STATEMENTS = (
    "{v} = request.{attr}.get({s})",
    "if not {v}:\n    return jsonify(error={s}), {code}",
    "{v} = [{w} for {w} in {v2} if {w}.{attr}]",
    "for {w} in {v}:\n    {v2}.append({w} * {n})",
    "{v}[{s}] = {v2}",
    "try:\n    {v} = json.loads({v2})\nexcept {exc}:\n    abort({code})",
    "{v} = {api}({v2}, {n})",
    "if {v} is None or {v2} > {n}:\n    {v} = {api}({s})",
    "with {v}:\n    {v2} += {n}",
    "{v}, {v2} = {v2}.{attr}, {api}()",
    "assert isinstance({v}, {typ}), {s}",
    "while {v} < {n}:\n    {v} = {v} + {api}({v2})",
)
APIS = ("len", "sorted", "str", "int", "max", "min", "sum", "jsonify", "make_response", "escape", "url_for")
ATTRS = ("args", "form", "files", "headers", "cookies", "values", "json", "data", "path", "method")


def independent_program(rng: random.Random) -> str:
    """A made-up submission: its own mix of statements, names and literals (timing only)."""
    names = [f"{rng.choice('abcdefghij')}{rng.randrange(1000)}" for _ in range(12)]
    functions = []
    for number in range(rng.randrange(3, 7)):
        body = []
        for _ in range(rng.randrange(4, 10)):
            statement = rng.choice(STATEMENTS).format(
                v=rng.choice(names), v2=rng.choice(names), w=rng.choice(names), s=repr(rng.choice(names)),
                n=rng.randrange(100), code=rng.choice((400, 403, 404, 415)), attr=rng.choice(ATTRS),
                api=rng.choice(APIS), exc=rng.choice(("ValueError", "KeyError", "TypeError")),
                typ=rng.choice(("dict", "list", "str", "int")),
            )  # fmt: skip
            body.append("\n".join("    " + line for line in statement.split("\n")))
        route = f'@app.{rng.choice(("get", "post"))}("/{rng.choice(names)}")'
        functions.append(
            f"{route}\ndef {rng.choice(names)}_{number}():\n" + "\n".join(body) + "\n    return {}\n"
        )
    return "from flask import Flask, abort, jsonify, request\n\napp = Flask(__name__)\n\n\n" + "\n\n".join(
        functions
    )


def make_typical_batch(folder: Path, size: int, seed: int = 1) -> list[tuple[str, Path]]:
    """Independent programs, and one in ten a renamed copy of another."""
    rng = random.Random(seed)
    items: list[tuple[str, Path]] = []
    for number in range(size):
        if items and rng.random() < 0.1:
            text = rng.choice(items)[1].joinpath("app.py").read_text(encoding="utf-8")
            text = re.sub(r"\b([a-j])(\d+)\b", lambda m: f"{m.group(1)}x{m.group(2)}", text)
        else:
            text = independent_program(rng)
        target = folder / f"t{number:04d}"
        target.mkdir(parents=True)
        (target / "app.py").write_text(text, encoding="utf-8")
        items.append((target.name, target))
    return items


def timing(sizes: list[int], with_copydetect: bool) -> None:
    for scenario, maker in (("typical", make_typical_batch), ("worst case", make_batch)):
        print(f"\n{scenario}: {(maker.__doc__ or '').splitlines()[0]}")
        print(f"{'submissions':>11} {'seconds':>8} {'cpu s':>6} {'compared':>9} {'flagged':>8}  tool")
        for size in sizes:
            _time_one(maker, size, with_copydetect)


def _time_one(maker: Callable[[Path, int], list[tuple[str, Path]]], size: int, with_copydetect: bool) -> None:
    challenge = get_challenge("json-post")
    with tempfile.TemporaryDirectory() as scratch:
        items = maker(Path(scratch), size)
        started, cpu = time.perf_counter(), time.process_time()
        report = analyse_paths(challenge, items)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        counts = f"{len(report.pairs):>9} {len(report.flagged):>8}"
        print(f"{size:>11} {seconds:>8.2f} {cpu:>6.2f} {counts}  flask-grader")
        if with_copydetect:
            copydetect_seconds(Path(scratch), challenge.stub_dir, size)


def copydetect_seconds(folder: Path, stub: Path, size: int) -> None:
    try:
        from copydetect import CopyDetector
    except ImportError:
        print(f"{size:>11} {'-':>8}  copydetect is not installed (pip install copydetect==0.5.0)")
        return
    started, cpu = time.perf_counter(), time.process_time()
    detector = CopyDetector(
        test_dirs=[str(folder)], boilerplate_dirs=[str(stub)], extensions=["py"], silent=True, autoopen=False
    )
    detector.run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{size:>11} {seconds:>8.2f} {cpu:>6.2f} {size * (size - 1) // 2:>9} {'':>8}  copydetect 0.5.0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--copydetect", action="store_true", help="also time copydetect, if installed")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}\n")
    corpus_quality()
    timing(args.sizes, args.copydetect)


if __name__ == "__main__":
    main()
