"""The similarity cut calibrated on the batch's own scores (grader/similarity/calibrate.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.similarity import SimilarityReport, analyse_paths
from grader.similarity.calibrate import (
    CALIBRATION_MIN_CUT,
    baseline_pairs,
    calibrated,
    outlier_line,
    spread_factor,
)

from .conftest import ROOT, Cli

CART = ROOT / "tests" / "similarity" / "session-cart"


def test_copies_do_not_widen_their_own_baseline() -> None:
    independent = [0.05, 0.08, 0.1, 0.12, 0.15, 0.2] * 10
    copies = [0.4, 0.6, 0.9, 1.0] * 5
    alone, _, _ = outlier_line(independent)
    mixed, median, mad = outlier_line(independent + copies)
    assert mixed == pytest.approx(alone)  # the copies are clipped away, not counted as spread
    assert 0.2 < mixed < 0.4
    assert median == pytest.approx(0.11) and mad > 0


def test_the_cut_stays_between_the_lowest_cut_and_the_fixed_threshold() -> None:
    assert calibrated([0.0] * 30 + [1.0], 0.5).value == CALIBRATION_MIN_CUT  # a batch of strangers
    high = calibrated([0.6, 0.65, 0.7, 0.75, 0.8] * 6, 0.5)  # everyone writes the same eight lines
    assert high.value == 0.5 and "capped at the fixed threshold" in high.describe()
    middle = calibrated([0.1, 0.15, 0.2, 0.25, 0.3] * 6, 0.5)
    assert CALIBRATION_MIN_CUT < middle.value < 0.5
    assert "median + 3.00 x 1.4826 x MAD" in middle.describe()


def test_a_larger_batch_needs_a_pair_further_out_to_stand_out() -> None:
    scores = [0.1, 0.15, 0.2, 0.25, 0.3] * 6
    assert spread_factor(45) == 3.0  # 10 submissions
    assert spread_factor(124_750) == pytest.approx(4.84, abs=0.01)  # 500 submissions
    assert calibrated(scores, 1.0, 124_750).value > calibrated(scores, 1.0, 45).value


def test_the_baseline_is_every_pair_or_the_same_sample() -> None:
    ids = [f"s{n}" for n in range(10)]
    assert len(baseline_pairs(ids)) == 45
    many = [f"s{n}" for n in range(300)]
    sample = baseline_pairs(many, limit=500)
    assert len(sample) == 500 == len(set(sample)) and all(a < b for a, b in sample)
    assert sample == baseline_pairs(list(reversed(many)), limit=500)


def _cart(calibration: bool = True, names: list[str] | None = None) -> SimilarityReport:
    items = [(p.name, p) for p in sorted(CART.iterdir()) if p.is_dir() and (names is None or p.name in names)]
    return analyse_paths(get_challenge("session-cart"), items, calibration=calibration)


def test_calibration_flags_the_partial_copies_the_fixed_threshold_misses() -> None:
    report = _cart()
    fixed = _cart(calibration=False)
    partial = {("pia", "pia-partial"), ("pia-extra", "pia-partial")}
    assert partial <= {(p.a, p.b) for p in report.flagged}
    assert not partial & {(p.a, p.b) for p in fixed.flagged}
    assert report.cut.method == "calibrated" and report.cut.value < 0.5
    assert fixed.cut.method == "fixed" and "turned off" in fixed.how_cut


def test_a_small_batch_uses_the_fixed_threshold() -> None:
    report = _cart(names=["nina", "nina-rename", "omar", "pia", "pia-partial"])
    assert report.cut.method == "fixed" and report.cut.value == 0.5
    assert "fewer than 8 submissions" in report.how_cut


def test_the_outputs_say_how_the_cut_was_chosen_and_rank_every_close_pair(cli: Cli, tmp_path: Path) -> None:
    result = cli("similar", "session-cart", str(CART), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "calibrated on this batch" in result.stdout
    assert "closest pairs not flagged:" in result.stdout
    document = json.loads((tmp_path / "similarity.json").read_text())
    assert document["cut"]["method"] == "calibrated" and document["cut"]["how"].startswith("cut 0.")
    ranked = document["ranked"]
    assert ranked == sorted(ranked, key=lambda p: -p["score"])
    assert any(not p["flagged"] for p in ranked) and any(p["flagged"] for p in ranked)
    page = (tmp_path / "similarity.html").read_text()
    assert "How the cut was chosen" in page and "closest pairs, flagged or not" in page
    fixed = cli("similar", "session-cart", str(CART), "--no-calibration")
    assert "the fixed threshold (calibration turned off)" in fixed.stdout
