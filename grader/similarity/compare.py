"""The exact comparison of one pair: matching k-grams chained into fragments, and the score.

Everything that depends on one submission only (where each k-gram occurs,
which tokens are its own rather than the stub's) is computed once per
submission in :class:`Prepared`, so comparing a pair is one pass over one
side's k-grams with hash-table look-ups into the other's: linear in the size
of the pair's code, never in the size of the batch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from .fingerprint import Document, K, SourceFile
from .report import Fragment, Line, Pair, Span

#: A fragment shorter than this many tokens is chance, not copying.
MIN_FRAGMENT_TOKENS = 16
#: A k-gram repeated more often than this inside one submission is not used to match.
MAX_REPEATS = 8
#: Lines of context shown around a fragment.
CONTEXT_LINES = 2
#: Fragments kept per flagged pair (longest first).
MAX_FRAGMENTS = 25

Run = tuple[int, int, int, int, int]  # file in A, first token in A, file in B, first token in B, tokens


@dataclass
class Prepared:
    """One submission, ready to be compared: k-gram positions and its own tokens."""

    document: Document
    positions: dict[int, list[tuple[int, int]]]
    own: list[list[bool]]
    own_prefix: list[list[int]]
    own_total: int

    @classmethod
    def of(cls, document: Document, excluded: set[int]) -> Prepared:
        """``excluded`` k-grams (the base, the batch's idioms) never match and own no token."""
        positions: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for file_index, source in enumerate(document.files):
            for start, value in enumerate(source.hashes):
                if value not in excluded:
                    positions[value].append((file_index, start))
        own = document.own_tokens(excluded)
        prefix = [[0, *accumulate(mask)] for mask in own]
        return cls(document, dict(positions), own, prefix, sum(p[-1] for p in prefix))

    def covered(self, intervals: dict[int, list[tuple[int, int]]]) -> int:
        """How many own tokens the (file -> [start, end)) intervals cover, overlaps counted once."""
        total = 0
        for file_index, spans in intervals.items():
            prefix = self.own_prefix[file_index]
            reach = 0
            for start, end in sorted(spans):
                start = max(start, reach)
                if end > start:
                    total += prefix[end] - prefix[start]
                    reach = end
        return total


def runs(a: Prepared, b: Prepared) -> list[Run]:
    """Chains of matching k-grams that follow each other in both submissions (one diagonal sweep)."""
    found: list[list[int]] = []
    for fa, source in enumerate(a.document.files):
        active: dict[tuple[int, int], list[int]] = {}
        for sa, value in enumerate(source.hashes):
            matches = b.positions.get(value)
            if not matches or len(matches) > MAX_REPEATS or value not in a.positions:
                continue
            for fb, sb in matches:
                diagonal = (fb, sb - sa)
                run = active.get(diagonal)
                if run is not None and run[1] + run[4] == sa:
                    run[4] += 1
                else:
                    run = [fa, sa, fb, sb, 1]
                    active[diagonal] = run
                    found.append(run)
    return [(fa, sa, fb, sb, n + K - 1) for fa, sa, fb, sb, n in found if n + K - 1 >= MIN_FRAGMENT_TOKENS]


def _longest_free(used_a: bytearray, used_b: bytearray, sa: int, sb: int, size: int) -> tuple[int, int]:
    """The longest stretch (offset, length) of a run whose tokens are free on both sides."""
    if used_a.find(1, sa, sa + size) == -1 and used_b.find(1, sb, sb + size) == -1:
        return 0, size
    best, best_size, start = 0, 0, -1
    for offset in range(size + 1):
        free = offset < size and not used_a[sa + offset] and not used_b[sb + offset]
        if free and start < 0:
            start = offset
        elif not free and start >= 0:
            if offset - start > best_size:
                best, best_size = start, offset - start
            start = -1
    return best, best_size


def tiles(a: Prepared, b: Prepared, chains: list[Run]) -> list[Run]:
    """Runs taken longest first, no token used twice on either side (greedy string tiling).

    Code repeated inside one submission (``return error(...)`` four times)
    matches the other's copy several times over; tiling keeps one match per
    token so a reader sees each passage once, beside its likeliest
    counterpart (on a tie, the one at the closest position).
    """
    used_a = [bytearray(len(f.tokens)) for f in a.document.files]
    used_b = [bytearray(len(f.tokens)) for f in b.document.files]
    kept: list[Run] = []
    for fa, sa, fb, sb, size in sorted(chains, key=lambda r: (-r[4], abs(r[1] - r[3]), r[:4])):
        offset, length = _longest_free(used_a[fa], used_b[fb], sa, sb, size)
        if length >= MIN_FRAGMENT_TOKENS:
            used_a[fa][sa + offset : sa + offset + length] = b"\x01" * length
            used_b[fb][sb + offset : sb + offset + length] = b"\x01" * length
            kept.append((fa, sa + offset, fb, sb + offset, length))
    return kept


def compare(a: Prepared, b: Prepared) -> tuple[Pair, list[Run]]:
    """The exact comparison of two submissions; the runs become fragments if the pair is flagged.

    A token counts as found in the other submission if any run covers it, so
    code written twice on one side and once on the other is found twice.
    """
    chains = runs(a, b)
    spans_a: dict[int, list[tuple[int, int]]] = defaultdict(list)
    spans_b: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for fa, sa, fb, sb, size in chains:
        spans_a[fa].append((sa, sa + size))
        spans_b[fb].append((sb, sb + size))
    shared_a, shared_b = a.covered(spans_a), b.covered(spans_b)
    total_a, total_b = a.own_total, b.own_total
    pair = Pair(
        a.document.id,
        b.document.id,
        score=(shared_a + shared_b) / (total_a + total_b) if total_a + total_b else 0.0,
        coverage_a=shared_a / total_a if total_a else 0.0,
        coverage_b=shared_b / total_b if total_b else 0.0,
        shared_tokens=min(shared_a, shared_b),
    )
    return pair, chains


def _span(source: SourceFile, first_token: int, last_token: int) -> Span:
    last_line = max(1, len(source.lines))
    start = min(source.tokens[first_token].first_line, last_line)
    end = min(source.tokens[last_token].last_line, last_line)
    shown = range(max(1, start - CONTEXT_LINES), min(len(source.lines), end + CONTEXT_LINES) + 1)
    lines = tuple(Line(n, source.lines[n - 1], start <= n <= end) for n in shown)
    return Span(source.name, start, end, lines)


def _trimmed(own_a: list[bool], own_b: list[bool], run: Run) -> tuple[int, int] | None:
    """The run's first and last token offsets without stub code at its edges; None if nothing is left."""
    _, sa, _, sb, size = run
    first, last = 0, size - 1
    while first <= last and not (own_a[sa + first] or own_b[sb + first]):
        first += 1
    while last >= first and not (own_a[sa + last] or own_b[sb + last]):
        last -= 1
    return (first, last) if first <= last else None


def _joined(chains: list[Run]) -> list[Run]:
    """Tiles on one diagonal with less than a k-gram between them, as one.

    A k-gram of the base (the stub or the visible tests) inside copied code
    breaks a run in two; the reader should see one passage.
    """
    joined: list[Run] = []
    for fa, sa, fb, sb, size in sorted(chains, key=lambda r: (r[0], r[2], r[3] - r[1], r[1])):
        if joined:
            pa, psa, pb, psb, psize = joined[-1]
            gap = sa - (psa + psize)
            if (pa, pb, psb - psa) == (fa, fb, sb - sa) and 0 <= gap < K:
                joined[-1] = (pa, psa, pb, psb, psize + gap + size)
                continue
        joined.append((fa, sa, fb, sb, size))
    return joined


def fragments(a: Prepared, b: Prepared, chains: list[Run]) -> list[Fragment]:
    """The longest runs as side-by-side line ranges, stub lines at their edges left out."""
    found = []
    seen: set[tuple[str, int, int, str, int, int]] = set()
    for run in sorted(_joined(tiles(a, b, chains)), key=lambda r: (-r[4], r[:4])):
        fa, sa, fb, sb, _ = run
        kept = _trimmed(a.own[fa], b.own[fb], run)
        if kept is None:
            continue
        first, last = kept
        left = _span(a.document.files[fa], sa + first, sa + last)
        right = _span(b.document.files[fb], sb + first, sb + last)
        key = (left.file, left.start, left.end, right.file, right.start, right.end)
        if key not in seen:
            seen.add(key)
            found.append(Fragment(left, right, last - first + 1))
        if len(found) == MAX_FRAGMENTS:
            break
    return sorted(found, key=lambda f: (f.a.file, f.a.start, f.b.file, f.b.start))
