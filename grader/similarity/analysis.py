"""Compare the submissions of a batch: index first, then the close pairs exactly.

1. Every submission's winnowed fingerprints, minus the base (stub and visible
   tests) and the batch's idioms, go into an inverted index
   (:class:`~.index.FingerprintIndex`); it names the pairs sharing enough of
   them.
2. Only those pairs are compared exactly: every k-gram of one is looked up in
   a hash table of the other's, matching k-grams that follow each other on
   both sides are chained into fragments, and the score is the share of both
   submissions' own tokens (not the stub's) that the fragments cover. The cost
   is linear in the size of the pair's code.
"""

from __future__ import annotations

import time
from collections import defaultdict

from .fingerprint import Document, K, SourceFile
from .index import FingerprintIndex
from .report import Fragment, Line, Pair, SimilarityReport, Span

#: Pairs at or above this score are flagged.
DEFAULT_THRESHOLD = 0.5
#: ...and only if they share at least this many of their own tokens (a few lines).
MIN_SHARED_TOKENS = 40
#: A fragment shorter than this many tokens is chance, not copying.
MIN_FRAGMENT_TOKENS = 16
#: A k-gram repeated more often than this inside one submission is not used to match.
MAX_REPEATS = 8
#: A pair is compared exactly if it shares this share of the smaller one's fingerprints.
CANDIDATE_SHARE = 0.2
#: Lines of context shown around a fragment.
CONTEXT_LINES = 2
#: Fragments kept per flagged pair (longest first).
MAX_FRAGMENTS = 25

Run = tuple[int, int, int, int, int]  # file in A, start in A, file in B, start in B, k-grams


def _positions(document: Document, excluded: set[int]) -> dict[int, list[tuple[int, int]]]:
    table: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for file_index, source in enumerate(document.files):
        for start, value in enumerate(source.hashes):
            if value not in excluded:
                table[value].append((file_index, start))
    return table


def _runs(a: Document, b: Document, excluded: set[int]) -> list[Run]:
    """Chains of matching k-grams that follow each other in both submissions."""
    table = _positions(b, excluded)
    matches: set[tuple[int, int, int, int]] = set()
    for file_index, source in enumerate(a.files):
        for start, value in enumerate(source.hashes):
            found = table.get(value)
            if found and len(found) <= MAX_REPEATS and value not in excluded:
                matches.update((file_index, start, fb, sb) for fb, sb in found)
    runs: list[Run] = []
    for fa, sa, fb, sb in matches:
        if (fa, sa - 1, fb, sb - 1) in matches:
            continue
        length = 1
        while (fa, sa + length, fb, sb + length) in matches:
            length += 1
        if length + K - 1 >= MIN_FRAGMENT_TOKENS:
            runs.append((fa, sa, fb, sb, length))
    return sorted(runs)


def _span(source: SourceFile, first_token: int, last_token: int) -> Span:
    last_line = max(1, len(source.lines))
    start = min(source.tokens[first_token].first_line, last_line)
    end = min(source.tokens[last_token].last_line, last_line)
    shown = range(max(1, start - CONTEXT_LINES), min(len(source.lines), end + CONTEXT_LINES) + 1)
    lines = tuple(Line(n, source.lines[n - 1], start <= n <= end) for n in shown)
    return Span(source.name, start, end, lines)


def compare(
    a: Document, b: Document, excluded: set[int], masks: dict[str, list[list[bool]]]
) -> tuple[Pair, list[Run]]:
    """The exact comparison of two submissions; the runs become fragments if the pair is flagged."""
    runs = _runs(a, b, excluded)
    covered_a = [[False] * len(f.tokens) for f in a.files]
    covered_b = [[False] * len(f.tokens) for f in b.files]
    for fa, sa, fb, sb, length in runs:
        covered_a[fa][sa : sa + length + K - 1] = [True] * (length + K - 1)
        covered_b[fb][sb : sb + length + K - 1] = [True] * (length + K - 1)
    own_a, own_b = masks[a.id], masks[b.id]
    total_a = sum(map(sum, own_a))
    total_b = sum(map(sum, own_b))
    shared_a = sum(
        c and o for cf, of in zip(covered_a, own_a, strict=True) for c, o in zip(cf, of, strict=True)
    )
    shared_b = sum(
        c and o for cf, of in zip(covered_b, own_b, strict=True) for c, o in zip(cf, of, strict=True)
    )
    pair = Pair(
        a.id,
        b.id,
        score=(shared_a + shared_b) / (total_a + total_b) if total_a + total_b else 0.0,
        coverage_a=shared_a / total_a if total_a else 0.0,
        coverage_b=shared_b / total_b if total_b else 0.0,
        shared_tokens=min(shared_a, shared_b),
    )
    return pair, runs


def _trimmed(own_a: list[bool], own_b: list[bool], run: Run) -> tuple[int, int, int] | None:
    """The run's tokens without the stub code at its edges: (offset, size), None if nothing is left."""
    _, sa, _, sb, length = run
    first, last = 0, length + K - 2
    while first <= last and not (own_a[sa + first] or own_b[sb + first]):
        first += 1
    while last >= first and not (own_a[sa + last] or own_b[sb + last]):
        last -= 1
    return (first, last, last - first + 1) if first <= last else None


def _fragments(
    a: Document, b: Document, runs: list[Run], masks: dict[str, list[list[bool]]]
) -> list[Fragment]:
    """The longest runs as side-by-side line ranges, stub lines at their edges left out."""
    fragments = []
    seen: set[tuple[str, int, int, str, int, int]] = set()
    for run in sorted(runs, key=lambda r: (-r[4], r[:4])):
        fa, sa, fb, sb, _ = run
        kept = _trimmed(masks[a.id][fa], masks[b.id][fb], run)
        if kept is None:
            continue
        first, last, size = kept
        left = _span(a.files[fa], sa + first, sa + last)
        right = _span(b.files[fb], sb + first, sb + last)
        key = (left.file, left.start, left.end, right.file, right.start, right.end)
        if key not in seen:
            seen.add(key)
            fragments.append(Fragment(left, right, size))
        if len(fragments) == MAX_FRAGMENTS:
            break
    return sorted(fragments, key=lambda f: (f.a.file, f.a.start, f.b.file, f.b.start))


def analyse(
    challenge: str,
    documents: list[Document],
    base: set[int],
    threshold: float = DEFAULT_THRESHOLD,
    skipped: dict[str, str] | None = None,
) -> SimilarityReport:
    """Compare every submission with every other, through the index."""
    started = time.perf_counter()
    index = FingerprintIndex(documents, base)
    excluded = base | index.ubiquitous
    by_id = {d.id: d for d in documents}
    masks = {d.id: d.own_tokens(excluded) for d in documents}
    pairs = []
    for a, b in index.candidates(CANDIDATE_SHARE * threshold, minimum_count=2):
        pair, runs = compare(by_id[a], by_id[b], excluded, masks)
        pair.flagged = pair.score >= threshold and pair.shared_tokens >= MIN_SHARED_TOKENS
        if pair.flagged:
            pair.fragments = _fragments(by_id[a], by_id[b], runs, masks)
        pairs.append(pair)
    return SimilarityReport(
        challenge=challenge,
        threshold=threshold,
        submissions=[d.id for d in documents],
        pairs=pairs,
        skipped=dict(skipped or {}),
        seconds=time.perf_counter() - started,
    )
