"""Similarity between the submissions of one challenge: who may have copied from whom.

Normalised Python tokens (:mod:`.tokens`), winnowed k-gram fingerprints
(:mod:`.fingerprint`), an inverted index that finds the pairs worth comparing
(:mod:`.index`), an exact comparison of those pairs (:mod:`.analysis`) and
the report (:mod:`.report`). The challenge's stub is the base: what every
submission inherits never counts as shared. Why this and not copydetect:
``docs/similarity.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..challenges import Challenge
from .analysis import DEFAULT_THRESHOLD, analyse
from .report import Pair, SimilarityReport
from .sources import load_base, load_submissions

__all__ = ["DEFAULT_THRESHOLD", "Pair", "SimilarityReport", "analyse_submissions"]


def analyse_submissions(
    challenge: Challenge,
    items: Iterable[tuple[str, Path]],
    threshold: float = DEFAULT_THRESHOLD,
    calibration: bool = True,
) -> SimilarityReport:
    """Read each (id, path) submission and compare them all, the challenge's stub as base.

    ``calibration``: flag what stands out from the batch's own scores, the
    fixed ``threshold`` as the highest cut (:mod:`.calibrate`).
    """
    documents, skipped = load_submissions(items)
    return analyse(challenge.id, documents, load_base(challenge), threshold, skipped, calibration)
