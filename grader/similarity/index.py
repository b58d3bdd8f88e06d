"""An inverted index of fingerprints: which pairs of submissions are worth comparing.

Comparing every pair of submissions token by token costs the square of the
batch size times the size of the code. The index instead maps each winnowed
fingerprint to the submissions holding it, so the work is one pass over the
fingerprints plus, per fingerprint, the pairs that share it: two submissions
that share nothing are never looked at.

Two kinds of fingerprint are left out of the index:

* the **base**: every k-gram of the challenge's stub and visible tests, which
  every submission inherits (``grader start`` copies them);
* **ubiquitous** fingerprints, held by more than :func:`ubiquity_limit`
  submissions: an idiom the whole batch writes (``@app.get(...)`` then
  ``def ...``), not a copy. MOSS drops these the same way (its ``-m``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from .fingerprint import Document

#: A fingerprint held by more submissions than this is never ubiquitous.
UBIQUITY_FLOOR = 10
#: ...otherwise, held by more than this share of the batch, it is.
UBIQUITY_SHARE = 0.5


def ubiquity_limit(batch_size: int) -> int:
    """How many submissions may hold a fingerprint before it counts as an idiom."""
    return max(UBIQUITY_FLOOR, int(batch_size * UBIQUITY_SHARE))


class FingerprintIndex:
    """Winnowed fingerprints of a batch, without the base, by fingerprint."""

    def __init__(self, documents: list[Document], base: set[int]) -> None:
        postings: dict[int, list[str]] = defaultdict(list)
        for document in documents:
            for value in document.fingerprints() - base:
                postings[value].append(document.id)
        limit = ubiquity_limit(len(documents))
        self.ubiquitous = {value for value, holders in postings.items() if len(holders) > limit}
        self.postings = {v: h for v, h in postings.items() if v not in self.ubiquitous}
        #: Fingerprints per submission that can be shared (neither base nor ubiquitous).
        self.sizes: dict[str, int] = dict.fromkeys((d.id for d in documents), 0)
        for holders in self.postings.values():
            for holder in holders:
                self.sizes[holder] += 1

    def shared_counts(self) -> Counter[tuple[str, str]]:
        """For every pair sharing at least one fingerprint, how many it shares."""
        counts: Counter[tuple[str, str]] = Counter()
        for holders in self.postings.values():
            if len(holders) > 1:
                counts.update(combinations(sorted(holders), 2))
        return counts

    def candidates(self, minimum_share: float, minimum_count: int) -> list[tuple[str, str]]:
        """Pairs whose shared fingerprints are at least ``minimum_share`` of the smaller one's.

        A cheap estimate, generous on purpose: the exact comparison decides.
        """
        found = []
        for (a, b), shared in self.shared_counts().items():
            smaller = min(self.sizes[a], self.sizes[b]) or 1
            if shared >= minimum_count and shared / smaller >= minimum_share:
                found.append((a, b))
        return sorted(found)
