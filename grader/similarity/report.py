"""What a similarity analysis found, as data: pairs, fragments, clusters.

Plain dataclasses with ``to_dict`` for ``similarity.json``; the text and
HTML renderings read the same objects. Nothing here is a verdict: a pair is
evidence for a person to read side by side (see ``docs/similarity.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .calibrate import Cut, fixed

#: Pairs listed by score in the report whether flagged or not: the ranking is the evidence.
RANKED_PAIRS = 50


@dataclass(frozen=True)
class Line:
    """One line of a fragment as shown: its number, text, and whether it matched."""

    number: int
    text: str
    matched: bool


@dataclass(frozen=True)
class Span:
    """A range of lines (1-based, inclusive) of one file, with a little context.

    The lines' text is for the HTML page only; ``similarity.json`` names the
    range, the submission has the code.
    """

    file: str
    start: int
    end: int
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Fragment:
    """Code of one submission that matches code of the other, token for token once normalised."""

    a: Span
    b: Span
    tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "tokens": self.tokens}


@dataclass
class Pair:
    """Two submissions compared exactly.

    ``fragments`` is empty for a pair that is not flagged, and for a flagged
    pair beyond the ones shown side by side (``analysis.DETAILED_PAIRS``).

    ``coverage_a`` is the share of A's own tokens (not inherited from the
    stub) found in B, and the other way round; ``score`` is the share of both
    together, so an unused function added to one side lowers it only a little.
    """

    a: str
    b: str
    score: float
    coverage_a: float
    coverage_b: float
    shared_tokens: int
    flagged: bool = False
    fragments: list[Fragment] = field(default_factory=list)

    def partner(self, submission_id: str) -> str:
        return self.b if submission_id == self.a else self.a

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "score": round(self.score, 3),
            "coverage_a": round(self.coverage_a, 3),
            "coverage_b": round(self.coverage_b, 3),
            "shared_tokens": self.shared_tokens,
            "fragments": [f.to_dict() for f in self.fragments],
        }


@dataclass
class SimilarityReport:
    """The analysis of one batch (read-only once built: lookups are cached)."""

    challenge: str
    threshold: float
    submissions: list[str]
    pairs: list[Pair]
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    cut: Cut | None = None

    def __post_init__(self) -> None:
        if self.cut is None:
            self.cut = fixed(self.threshold, "given")

    @property
    def how_cut(self) -> str:
        """How the cut between flagged and not flagged was chosen, in one sentence."""
        assert self.cut is not None
        return self.cut.describe()

    @cached_property
    def flagged(self) -> list[Pair]:
        """Pairs at or above the cut, highest first."""
        return sorted((p for p in self.pairs if p.flagged), key=lambda p: (-p.score, p.a, p.b))

    @cached_property
    def ranked(self) -> list[Pair]:
        """The closest pairs compared, flagged or not, highest first (at most :data:`RANKED_PAIRS`)."""
        return sorted(self.pairs, key=lambda p: (-p.score, p.a, p.b))[:RANKED_PAIRS]

    def clusters(self) -> list[list[str]]:
        """Groups of three or more submissions linked by flagged pairs, largest first."""
        parent = {s: s for s in self.submissions}

        def root(node: str) -> str:
            while parent[node] != node:
                parent[node] = parent[parent[node]]
                node = parent[node]
            return node

        for pair in self.flagged:
            parent[root(pair.a)] = root(pair.b)
        groups: dict[str, list[str]] = {}
        for submission in self.submissions:
            groups.setdefault(root(submission), []).append(submission)
        found = [sorted(g) for g in groups.values() if len(g) >= 3]
        return sorted(found, key=lambda g: (-len(g), g))

    @cached_property
    def _scores(self) -> dict[frozenset[str], float]:
        return {frozenset((p.a, p.b)): p.score for p in self.pairs}

    def score(self, a: str, b: str) -> float | None:
        """The exact score of a pair, None if it was never close enough to compare."""
        return self._scores.get(frozenset((a, b)))

    @cached_property
    def _best(self) -> dict[str, tuple[float, str]]:
        found: dict[str, tuple[float, str]] = {}
        for pair in self.pairs:
            for own in (pair.a, pair.b):
                if own not in found or pair.score > found[own][0]:
                    found[own] = (pair.score, pair.partner(own))
        return found

    def best(self) -> dict[str, tuple[float, str]]:
        """Each submission's highest similarity and its partner (only pairs compared exactly)."""
        return self._best

    def to_dict(self) -> dict[str, Any]:
        best = self.best()
        return {
            "challenge": self.challenge,
            "threshold": self.threshold,
            "cut": self.cut.to_dict() if self.cut else None,
            "submissions": len(self.submissions),
            "seconds": round(self.seconds, 3),
            "pairs": [p.to_dict() for p in self.flagged],
            "clusters": self.clusters(),
            "best": {
                s: {"score": round(best[s][0], 3), "partner": best[s][1]}
                for s in self.submissions
                if s in best
            },
            "skipped": self.skipped,
            "ranked": [
                {"a": p.a, "b": p.b, "score": round(p.score, 3), "flagged": p.flagged} for p in self.ranked
            ],
        }
