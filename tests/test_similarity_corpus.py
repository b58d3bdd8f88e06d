"""Similarity on a corpus written for it (tests/similarity/, ground truth in corpus.toml).

Disguised copies (each disguise alone, then all at once) must be paired with
their original and with each other; independent solutions of the same
challenge must not be, nor submissions that differ from the stub in one line.
Then the same analysis through ``grader similar`` and ``grader batch``.
"""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from itertools import combinations
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.similarity import SimilarityReport, analyse_paths

from .conftest import ROOT, Cli

CORPUS = ROOT / "tests" / "similarity"
TRUTH = tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))


def _submissions(challenge_id: str) -> list[Path]:
    return sorted(p for p in (CORPUS / challenge_id).iterdir() if p.is_dir())


def _copies(challenge_id: str) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for family in TRUTH[challenge_id]["families"]:
        pairs.update(combinations(sorted(family), 2))
    return pairs


def _analyse(challenge_id: str) -> SimilarityReport:
    items = [(p.name, p) for p in _submissions(challenge_id)]
    return analyse_paths(get_challenge(challenge_id), items)


@pytest.mark.parametrize("challenge_id", sorted(TRUTH))
def test_every_disguised_copy_is_flagged_and_nothing_else(challenge_id: str) -> None:
    report = _analyse(challenge_id)
    flagged = {(p.a, p.b) for p in report.flagged}
    expected = _copies(challenge_id)
    assert not expected - flagged, f"copies missed: {sorted(expected - flagged)}"
    assert not flagged - expected, f"independent pairs flagged: {sorted(flagged - expected)}"
    families = sorted(
        (sorted(f) for f in TRUTH[challenge_id]["families"] if len(f) >= 3), key=len, reverse=True
    )
    assert report.clusters() == families
    assert not report.skipped


@pytest.mark.parametrize("challenge_id", sorted(TRUTH))
def test_stub_plus_one_line_is_not_evidence(challenge_id: str) -> None:
    report = _analyse(challenge_id)
    stubs = {p.name for p in _submissions(challenge_id) if p.name.startswith("stubline")}
    assert len(stubs) >= 2
    assert all(not ({p.a, p.b} & stubs) for p in report.flagged)


def test_fragments_point_at_the_copied_lines() -> None:
    report = _analyse("json-post")
    pair = next(p for p in report.flagged if {p.a, p.b} == {"alice", "alice-reorder"})
    original = "alice" if pair.a == "alice" else "alice-reorder"
    lines = (CORPUS / "json-post" / "alice" / "app.py").read_text().splitlines()
    show_user = lines.index("def show_user(user_id):") + 1
    spans = [f.a if original == pair.a else f.b for f in pair.fragments]
    assert any(s.start <= show_user <= s.end for s in spans)
    assert all(line.text == lines[line.number - 1] for s in spans for line in s.lines)


def test_grader_similar_prints_pairs_and_writes_json_and_html(cli: Cli, tmp_path: Path) -> None:
    result = cli("similar", "error-handler", str(CORPUS / "error-handler"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "never a verdict" in result.stdout
    assert "erin" in result.stdout and "frank" not in result.stdout
    document = json.loads((tmp_path / "out" / "similarity.json").read_text())
    assert {(p["a"], p["b"]) for p in document["pairs"]} == _copies("error-handler")
    assert document["best"]["erin-all"]["score"] >= 0.5
    html = (tmp_path / "out" / "similarity.html").read_text()
    assert html.count('<details id="pair-') == len(document["pairs"])
    assert "http://" not in html and "https://" not in html and "<script src" not in html


def test_grader_similar_needs_a_folder(cli: Cli, tmp_path: Path) -> None:
    result = cli("similar", "error-handler", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_batch_reports_similarity_and_can_skip_it(cli: Cli, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    for name in ("alice", "alice-all", "bob"):
        shutil.copytree(CORPUS / "json-post" / name, subs / name)
    out = tmp_path / "out"
    first = cli("batch", "json-post", str(subs), "--out", str(out), "--sandbox", "local", "--jobs", "2")
    assert first.exit_code == 0, first.output
    with open(out / "results.csv", encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["alice"]["similar_to"] == "alice-all" and float(rows["alice"]["max_similarity"]) >= 0.5
    assert rows["bob"]["similar_to"] == ""
    document = {d["id"]: d for d in json.loads((out / "results.json").read_text())}
    assert document["alice-all"]["similar_to"] == "alice" and document["bob"]["max_similarity"] is None
    assert 'id="similarity"' in (out / "report.html").read_text()
    assert (out / "similarity.json").is_file()

    again = cli("batch", "json-post", str(subs), "--out", str(out), "--sandbox", "local", "--no-similarity")
    assert again.exit_code == 0, again.output
    with open(out / "results.csv", encoding="utf-8") as handle:
        assert all(row["similar_to"] == "" for row in csv.DictReader(handle))
    assert 'id="similarity"' not in (out / "report.html").read_text()
