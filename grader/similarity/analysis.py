"""Compare the submissions of a batch: index first, then the close pairs exactly.

1. Every submission's winnowed fingerprints, minus the base (stub and visible
   tests) and the batch's idioms, go into an inverted index
   (:class:`~.index.FingerprintIndex`); it names the pairs sharing enough of
   them.
2. Only those pairs are compared exactly (:mod:`.compare`): every k-gram of
   one is looked up in a hash table of the other's, matching k-grams that
   follow each other on both sides are chained into fragments, and the score
   is the share of both submissions' own tokens (not the stub's) that the
   fragments cover. The cost is linear in the size of the pair's code.
3. The cut is calibrated on the batch's own scores (:mod:`.calibrate`): the
   baseline pairs are compared exactly too, and a pair is flagged when it
   stands out from them, or reaches the fixed threshold.
"""

from __future__ import annotations

import time

from . import calibrate
from .compare import Prepared, compare, fragments
from .fingerprint import Document
from .index import FingerprintIndex
from .report import Pair, SimilarityReport

#: Pairs at or above this score are flagged.
DEFAULT_THRESHOLD = 0.5
#: ...and only if they share at least this many of their own tokens (a few lines).
MIN_SHARED_TOKENS = 40
#: A pair is compared exactly if it shares this share of the smaller one's fingerprints.
CANDIDATE_SHARE = 0.4
#: Flagged pairs shown side by side beyond each submission's closest one, highest first.
DETAILED_PAIRS = 200


def analyse(
    challenge: str,
    documents: list[Document],
    base: set[int],
    threshold: float = DEFAULT_THRESHOLD,
    skipped: dict[str, str] | None = None,
    calibration: bool = True,
) -> SimilarityReport:
    """Compare every submission with every other, through the index, and flag what stands out."""
    started = time.perf_counter()
    index = FingerprintIndex(documents, base)
    excluded = base | index.ubiquitous
    prepared = {d.id: Prepared.of(d, excluded) for d in documents}
    calibrating = calibration and len(documents) >= calibrate.CALIBRATION_MIN_SUBMISSIONS
    lowest = min(threshold, calibrate.CALIBRATION_MIN_CUT) if calibrating else threshold
    pairs = []
    runs = {}
    for a, b in index.candidates(CANDIDATE_SHARE * lowest, minimum_count=2):
        pair, runs[a, b] = compare(prepared[a], prepared[b])
        pairs.append(pair)
    if calibrating:
        baseline = _baseline(prepared, {(p.a, p.b): p.score for p in pairs})
        count = len(documents) * (len(documents) - 1) // 2
        cut = calibrate.calibrated(baseline, threshold, count)
    elif calibration:
        cut = calibrate.fixed(
            threshold, f"fewer than {calibrate.CALIBRATION_MIN_SUBMISSIONS} submissions to calibrate on"
        )
    else:
        cut = calibrate.fixed(threshold, "calibration turned off")
    for pair in pairs:
        pair.flagged = pair.score >= cut.value and pair.shared_tokens >= MIN_SHARED_TOKENS
    for pair in _detailed(pairs):
        pair.fragments = fragments(prepared[pair.a], prepared[pair.b], runs[pair.a, pair.b])
    return SimilarityReport(
        challenge=challenge,
        threshold=threshold,
        cut=cut,
        submissions=[d.id for d in documents],
        pairs=pairs,
        skipped=dict(skipped or {}),
        seconds=time.perf_counter() - started,
    )


def _baseline(prepared: dict[str, Prepared], scored: dict[tuple[str, str], float]) -> list[float]:
    """The exact scores of the baseline pairs whose both sides have code of their own to compare."""
    scores = []
    for a, b in calibrate.baseline_pairs(list(prepared)):
        if min(prepared[a].own_total, prepared[b].own_total) < MIN_SHARED_TOKENS:
            continue
        score = scored.get((a, b))
        scores.append(score if score is not None else compare(prepared[a], prepared[b])[0].score)
    return scores


def _detailed(pairs: list[Pair]) -> list[Pair]:
    """The flagged pairs worth showing side by side: each submission's closest, then the highest.

    When half a batch copied one file, every pair of that half is flagged; the
    fragments of thousands of near-identical pairs tell a reader nothing more
    than those of a few hundred, and would make the report unreadably large.
    """
    flagged = sorted((p for p in pairs if p.flagged), key=lambda p: (-p.score, p.a, p.b))
    chosen = {id(p): p for p in flagged[:DETAILED_PAIRS]}
    closest: dict[str, Pair] = {}
    for pair in flagged:
        for own in (pair.a, pair.b):
            closest.setdefault(own, pair)
    chosen.update((id(p), p) for p in closest.values())
    return list(chosen.values())
