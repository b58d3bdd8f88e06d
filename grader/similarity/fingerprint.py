"""Fingerprints of a submission: hashed token k-grams, thinned by winnowing.

A k-gram is ``k`` consecutive normalised tokens. Winnowing (Schleimer, Wilkerson
and Aiken, SIGMOD 2003, the algorithm of MOSS and Dolos) keeps the smallest
hash of every window of ``w`` consecutive k-grams: any shared run of at least
``k + w - 1`` tokens is guaranteed to share a kept fingerprint, with about
``2 / (w + 1)`` of the k-grams kept. The kept fingerprints go in the index
(:mod:`.index`); every k-gram is kept too, to locate matches precisely once a
pair is worth a closer look.

Hashes must be the same in every process (a cached analysis, a test): tokens
are hashed with CRC-32 and k-grams as tuples of those integers, which CPython
hashes deterministically (unlike ``str``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from .tokens import Token

#: Tokens per k-gram: about a line and a half of normalised code.
K = 12
#: K-grams per winnowing window: any match of K + W - 1 = 15 tokens is seen.
W = 4


def _token_id(text: str) -> int:
    return zlib.crc32(text.encode())


def kgram_hashes(tokens: list[Token], k: int = K) -> list[int]:
    """The hash of every k-gram, by starting token."""
    ids = [_token_id(t.text) for t in tokens]
    return [hash(tuple(ids[i : i + k])) for i in range(len(ids) - k + 1)]


def winnow(hashes: list[int], w: int = W) -> set[int]:
    """Positions kept by winnowing: the rightmost minimum of each window."""
    if len(hashes) <= w:
        return {min(range(len(hashes)), key=lambda i: (hashes[i], -i))} if hashes else set()
    kept: set[int] = set()
    for start in range(len(hashes) - w + 1):
        window = range(start, start + w)
        kept.add(min(window, key=lambda i: (hashes[i], -i)))
    return kept


@dataclass
class SourceFile:
    """One file of a submission: its text lines and normalised tokens."""

    name: str
    lines: list[str]
    tokens: list[Token]
    hashes: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.hashes = kgram_hashes(self.tokens)


@dataclass
class Document:
    """Everything of one submission the analysis compares."""

    id: str
    files: list[SourceFile]

    def fingerprints(self) -> set[int]:
        """The winnowed fingerprints of every file."""
        kept: set[int] = set()
        for source in self.files:
            kept.update(source.hashes[i] for i in winnow(source.hashes))
        return kept

    def all_hashes(self) -> set[int]:
        """Every k-gram hash of every file (used for the stub, which must vanish entirely)."""
        return {h for source in self.files for h in source.hashes}

    def own_tokens(self, base: set[int]) -> list[list[bool]]:
        """Per file, per token: False where a k-gram of the base (the stub) covers it.

        A file shorter than one k-gram has nothing comparable: all False.
        """
        masks = []
        for source in self.files:
            own = [bool(source.hashes)] * len(source.tokens)
            for start, value in enumerate(source.hashes):
                if value in base:
                    own[start : start + K] = [False] * K
            masks.append(own)
        return masks
