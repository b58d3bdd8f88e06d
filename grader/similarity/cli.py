"""``grader similar``, and the similarity step of ``grader batch``.

Registered into the main ``grader`` command by :func:`register`, which is
handed the CLI's own error handling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ..challenges import Challenge, get_challenge
from ..errors import UsageError
from ..staging import StagedSubmission
from . import DEFAULT_THRESHOLD, SimilarityReport, analyse_paths, analyse_submissions


def batch_similarity(
    challenge: Challenge, staged: Mapping[str, StagedSubmission | UsageError]
) -> SimilarityReport:
    """The batch's similarity analysis of its staged copies, with a one-line summary on stderr."""
    report = analyse_submissions(challenge, staged)
    flagged, clusters = len(report.flagged), len(report.clusters())
    click.echo(f"similarity: {flagged} pair(s) flagged, {clusters} cluster(s); {report.how_cut}", err=True)
    return report


def register(main: click.Group, handle_errors: Callable[[Any], Any]) -> None:
    """Add ``similar`` to ``main``."""

    @main.command("similar", short_help="Find submissions that share code (evidence).")
    @click.argument("challenge_id", metavar="ID")
    @click.argument("folder", type=click.Path(path_type=Path))
    @click.option("--out", type=click.Path(path_type=Path), help="Also write OUT/similarity.json and .html.")
    @click.option(
        "--threshold",
        type=click.FloatRange(0.0, 1.0),
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Always flag pairs whose score reaches this; calibration may flag lower ones that stand out.",
    )
    @click.option(
        "--no-calibration",
        is_flag=True,
        help="Flag only at --threshold, not at the cut calibrated on the batch's own scores.",
    )
    @handle_errors
    def similar(
        challenge_id: str, folder: Path, out: Path | None, threshold: float, no_calibration: bool
    ) -> None:
        """Pairs and clusters of FOLDER's submissions sharing code beyond the stub (evidence only).

        A pair is flagged when its score stands out from the batch's own
        scores (median + k x 1.4826 x MAD, k >= 3; at least 0.3), or reaches
        --threshold; the closest pairs are listed either way.
        """
        from grader.candidates import discover
        from grader.similarity.render import similarity_text, write_similarity

        challenge = get_challenge(challenge_id)
        items = [(s.id, s.path) for s in discover(folder)]
        report = analyse_paths(challenge, items, threshold, calibration=not no_calibration)
        click.echo(similarity_text(report))
        if out is not None:
            write_similarity(out, challenge, report)
            click.echo(f"details: {out / 'similarity.html'}")
