"""Similarity over stored submissions: one document per content, read once, kept as JSON.

``grader batch`` compares the folders of one batch, read once per run. The
service keeps every upload of a team, and compares each one with all of
that team's submissions to the challenge, older batches included, on every
page view. Two things differ, and this module is their only adapter; the
comparison itself is :func:`.analysis.analyse`, unchanged (same index, same
thresholds, same calibration):

* a submission's :class:`~.fingerprint.Document` is read once and stored
  (:func:`document_to_json` / :func:`document_from_json`), under a key made
  of :data:`DOCUMENT_VERSION` and the content hash, so a re-upload of the
  same code is the same stored document;
* each content is one document in the analysis (:func:`analyse_contents`).
  Its holders that carry the same candidate label (a candidate uploading the
  same code again, a batch uploaded twice) are one node of the report, named
  after the first one; holders with different labels (two candidates sending
  identical code) are nodes of their own, linked by a pair scored 1.0, which
  is what ``grader batch`` finds for two identical folders.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from .analysis import DEFAULT_THRESHOLD, MIN_SHARED_TOKENS, analyse
from .compare import Prepared
from .fingerprint import Document, SourceFile
from .report import Pair, SimilarityReport
from .tokens import Token

_HERE = Path(__file__).parent


def _document_version() -> str:
    """Changes whenever the reading, tokens or fingerprints could: stored documents are read again."""
    digest = hashlib.sha256(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    for name in ("tokens.py", "fingerprint.py", "sources.py", "contents.py"):
        digest.update((_HERE / name).read_bytes())
    return digest.hexdigest()[:12]


#: Part of every stored document's key: a document stored by other code is never reused.
DOCUMENT_VERSION = _document_version()


def document_to_json(document: Document) -> str:
    """The document as stored: each file's name, lines and tokens (k-gram hashes are recomputed)."""
    return json.dumps(
        {
            "files": [
                {
                    "name": f.name,
                    "lines": f.lines,
                    "tokens": [[t.text, t.first_line, t.last_line] for t in f.tokens],
                }
                for f in document.files
            ]
        },
        separators=(",", ":"),
    )


def document_from_json(document_id: str, stored: str) -> Document:
    """A document read back under ``document_id`` (the id it has in the analysis)."""
    data: dict[str, Any] = json.loads(stored)
    files = [
        SourceFile(
            str(f["name"]),
            [str(line) for line in f["lines"]],
            [Token(str(text), int(first), int(last)) for text, first, last in f["tokens"]],
        )
        for f in data["files"]
    ]
    return Document(document_id, files)


@dataclass(frozen=True)
class Content:
    """One content of a team's submissions: its document and who uploaded it, oldest first.

    ``holders`` are ``(submission id, candidate label)`` pairs.
    """

    document: Document
    holders: list[tuple[str, str]]


@dataclass
class ContentReport:
    """The analysis by node, and which node stands for each submission."""

    report: SimilarityReport
    #: every holder's submission id -> the node (a submission id) it is shown as
    node_of: dict[str, str] = field(default_factory=dict)
    #: node -> every submission id it stands for (itself first)
    members: dict[str, list[str]] = field(default_factory=dict)

    def fields(self, submission_id: str) -> dict[str, float | str | None]:
        """``max_similarity`` and ``similar_to`` of one submission, as ``results.csv`` writes them."""
        node = self.node_of.get(submission_id)
        best = self.report.best().get(node) if node is not None else None
        if best is None:
            return {"max_similarity": None, "similar_to": None}
        return {"max_similarity": round(best[0], 3), "similar_to": best[1]}


def analyse_contents(
    challenge: str,
    contents: list[Content],
    base: set[int],
    threshold: float = DEFAULT_THRESHOLD,
    skipped: dict[str, str] | None = None,
    calibration: bool = True,
) -> ContentReport:
    """:func:`.analysis.analyse` over one document per content, then identical holders as pairs.

    Each content's document must carry its first holder's id.
    """
    found = analyse(challenge, [c.document for c in contents], base, threshold, skipped, calibration)
    node_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    nodes: list[str] = []
    identical: list[Pair] = []
    for content in contents:
        by_label: dict[str, str] = {}
        for submission_id, label in content.holders:
            node = by_label.setdefault(label, submission_id)
            node_of[submission_id] = node
            members.setdefault(node, []).append(submission_id)
        nodes.extend(by_label.values())
        if len(by_label) > 1:
            own = Prepared.of(content.document, base).own_total
            for a, b in combinations(by_label.values(), 2):
                identical.append(Pair(a, b, 1.0, 1.0, 1.0, own, flagged=own >= MIN_SHARED_TOKENS))
    report = SimilarityReport(
        challenge=found.challenge,
        threshold=found.threshold,
        submissions=nodes,
        pairs=found.pairs + identical,
        skipped=found.skipped,
        seconds=found.seconds,
        cut=found.cut,
    )
    return ContentReport(report, node_of, members)
