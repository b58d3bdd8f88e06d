"""Similarity between the submissions of one challenge: who may have copied from whom.

Normalised Python tokens (:mod:`.tokens`), winnowed k-gram fingerprints
(:mod:`.fingerprint`), an inverted index that finds the pairs worth comparing
(:mod:`.index`), an exact comparison of those pairs (:mod:`.analysis`) and
the report (:mod:`.report`). The challenge's stub is the base: what every
submission inherits never counts as shared. Why this and not copydetect:
``docs/similarity.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ..challenges import Challenge
from ..errors import UsageError
from ..staging import StagedSubmission, staged_candidates
from .analysis import DEFAULT_THRESHOLD, analyse
from .report import Pair, SimilarityReport
from .sources import load_base, load_submissions

__all__ = ["DEFAULT_THRESHOLD", "Pair", "SimilarityReport", "analyse_paths", "analyse_submissions"]


def analyse_submissions(
    challenge: Challenge,
    staged: Mapping[str, StagedSubmission | UsageError],
    threshold: float = DEFAULT_THRESHOLD,
    calibration: bool = True,
) -> SimilarityReport:
    """Read each staged submission (by id) and compare them all, the challenge's stub as base.

    A submission that could not be staged is listed as skipped, with its reason.

    ``calibration``: flag what stands out from the batch's own scores, the
    fixed ``threshold`` as the highest cut (:mod:`.calibrate`).
    """
    documents, skipped = load_submissions(staged)
    return analyse(challenge.id, documents, load_base(challenge), threshold, skipped, calibration)


def analyse_paths(
    challenge: Challenge,
    items: Iterable[tuple[str, Path]],
    threshold: float = DEFAULT_THRESHOLD,
    calibration: bool = True,
) -> SimilarityReport:
    """Stage each (id, path) submission once and compare them all (``grader similar``)."""
    with staged_candidates(items) as staged:
        return analyse_submissions(challenge, staged, threshold, calibration)
