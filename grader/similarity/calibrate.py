"""Where to cut the ranked pairs: what stands out from this batch's own scores.

A fixed threshold cannot fit every batch. Independent solutions of a
challenge share idioms, and how much depends on the challenge: on a held-out
json-post batch every copied pair scored at least 0.36 and every independent
pair at most 0.23, a perfect ranking, yet the fixed 0.5 flagged only 10 of
its 12 disguised copies. So the cut is calibrated on the batch itself:

1. the exact scores of the batch's pairs (all of them up to
   :data:`CALIBRATION_PAIRS`, a fixed sample beyond) are the baseline;
   pairs in which a side has fewer than ``MIN_SHARED_TOKENS`` own tokens
   (a stub changed in one line) say nothing and are left out;
2. a robust outlier line, ``median + k * 1.4826 * MAD`` (k =
   :data:`CALIBRATION_K`, or ``sqrt(2 ln pairs)`` when the batch has more
   than about 90 pairs, see :func:`spread_factor`; 1.4826 makes the MAD a
   standard deviation for normal data), computed again without the pairs above it until it stops
   moving, so that a batch full of copies does not widen its own baseline;
3. that line is kept between :data:`CALIBRATION_MIN_CUT` (below it, two
   independent solutions of a short challenge can share that much) and the
   fixed threshold: a pair at or above the fixed threshold is always
   flagged, as before calibration existed.

A batch of fewer than :data:`CALIBRATION_MIN_SUBMISSIONS` submissions has
too few pairs for a baseline and uses the fixed threshold.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from itertools import combinations
from typing import Any

CALIBRATION_MIN_SUBMISSIONS = 8
#: How many robust standard deviations above the batch's median a pair must be.
CALIBRATION_K = 3.0
#: The lowest cut calibration may choose.
CALIBRATION_MIN_CUT = 0.3
#: Pairs compared exactly for the baseline; a larger batch is sampled (the same sample every run).
CALIBRATION_PAIRS = 2000
MAD_SCALE = 1.4826
_ROUNDS = 20


@dataclass(frozen=True)
class Cut:
    """The score from which pairs are flagged, and how it was chosen (for the report)."""

    value: float
    threshold: float
    method: str  # "calibrated" or "fixed"
    reason: str = ""
    median: float | None = None
    mad: float | None = None
    outlier_line: float | None = None
    pairs: int = 0
    k: float = CALIBRATION_K

    def describe(self) -> str:
        """One sentence for the report: the cut and why it is there."""
        if self.method == "fixed":
            return f"cut {self.value:g}: the fixed threshold ({self.reason})"
        assert self.median is not None and self.mad is not None and self.outlier_line is not None
        line = (
            f"cut {self.value:.2f}, calibrated on this batch: over {self.pairs} pairs the median score "
            f"is {self.median:.2f} and the MAD {self.mad:.3f}, so median + {self.k:.2f} x "
            f"{MAD_SCALE} x MAD = {self.outlier_line:.2f}"
        )
        if self.outlier_line < CALIBRATION_MIN_CUT:
            line += f", raised to the lowest cut {CALIBRATION_MIN_CUT:g}"
        elif self.outlier_line > self.threshold:
            line += f", capped at the fixed threshold {self.threshold:g}"
        return line + f"; a pair at or above the fixed threshold {self.threshold:g} is always flagged"

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "value": round(self.value, 3),
            "method": self.method,
            "threshold": self.threshold,
        }
        if self.method == "calibrated":
            found.update(
                median=round(self.median or 0.0, 3),
                mad=round(self.mad or 0.0, 3),
                k=round(self.k, 3),
                outlier_line=round(self.outlier_line or 0.0, 3),
                min_cut=CALIBRATION_MIN_CUT,
                pairs=self.pairs,
            )
        found["how"] = self.describe()
        return found


def fixed(threshold: float, reason: str) -> Cut:
    return Cut(value=threshold, threshold=threshold, method="fixed", reason=reason)


def baseline_pairs(ids: list[str], limit: int = CALIBRATION_PAIRS) -> list[tuple[str, str]]:
    """The pairs whose scores make the baseline: all of them, or a fixed sample of ``limit``."""
    ordered = sorted(ids)
    count = len(ordered) * (len(ordered) - 1) // 2
    if count <= limit:
        return list(combinations(ordered, 2))
    chooser = random.Random(count)  # the same batch gives the same sample
    chosen: set[tuple[str, str]] = set()
    while len(chosen) < limit:
        a, b = sorted(chooser.sample(ordered, 2))
        chosen.add((a, b))
    return sorted(chosen)


def outlier_line(scores: list[float], k: float = CALIBRATION_K) -> tuple[float, float, float]:
    """``median + k * 1.4826 * MAD`` of the scores at or below it, iterated; (line, median, MAD)."""
    kept = list(scores)
    line = median = mad = 0.0
    for _ in range(_ROUNDS):
        median = statistics.median(kept)
        mad = statistics.median(abs(score - median) for score in kept)
        new = median + k * MAD_SCALE * mad
        if new == line or mad == 0:
            line = new
            break
        line = new
        kept = [score for score in scores if score <= line]
    return line, median, mad


def spread_factor(pairs: int) -> float:
    """k: at least :data:`CALIBRATION_K`, and ``sqrt(2 ln pairs)`` in a large batch.

    ``sqrt(2 ln n)`` is about how many standard deviations the highest of n
    independent normal scores reaches: the more pairs a batch has, the
    further its highest honest pair sits from the median by chance alone.
    """
    return max(CALIBRATION_K, math.sqrt(2 * math.log(max(pairs, 2))))


def calibrated(scores: list[float], threshold: float, batch_pairs: int | None = None) -> Cut:
    """The cut for a batch whose baseline pairs scored ``scores`` (of ``batch_pairs`` pairs in all)."""
    if len(scores) < 2:
        return fixed(threshold, "too few comparable pairs to calibrate on")
    k = spread_factor(batch_pairs or len(scores))
    line, median, mad = outlier_line(scores, k)
    value = min(threshold, max(CALIBRATION_MIN_CUT, line))
    return Cut(
        value=value,
        threshold=threshold,
        method="calibrated",
        median=median,
        mad=mad,
        outlier_line=line,
        pairs=len(scores),
        k=k,
    )
