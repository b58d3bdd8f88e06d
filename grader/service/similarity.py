"""Similarity in the service: each team's submissions to a challenge, all batches together.

The analysis is ``grader batch``'s (:mod:`grader.similarity`, through its
adapter :mod:`grader.similarity.contents`): same index, thresholds and
calibration. What the service adds is where documents come from and when
the work is done:

* **Lazily, with a bound.** Nothing runs after a grading; the first page (or
  ``results.csv``) that needs a team's analysis of a challenge computes it.
  Each content's document is read from the stored upload once
  (:func:`_document`) and stored in ``similarity_documents``, keyed by
  :data:`~grader.similarity.contents.DOCUMENT_VERSION` and the content hash
  (a re-upload of the same code is the same row). One request reads at most
  :data:`MAX_READS` new documents and starts none after :data:`READ_SECONDS`;
  the rest are read by the next requests, and the page says how many are
  still to read. At most
  :data:`MAX_CONTENTS` contents are compared, the newest.
* **Once per state.** The analysis is kept in memory, keyed by everything it
  depends on (the challenge's version, the document version, each
  submission's id, content and candidate label), for the :data:`CACHED`
  most recent keys: a page view that changes nothing reads no document.

Only the team's own submissions are ever read or compared: every query
filters on ``team_id``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..challenges import Challenge
from ..errors import InvalidSubmission, UsageError
from ..similarity.contents import (
    DOCUMENT_VERSION,
    Content,
    ContentReport,
    analyse_contents,
    document_from_json,
    document_to_json,
)
from ..similarity.fingerprint import Document
from ..similarity.report import Pair
from ..similarity.sources import load_base, read_folder
from ..staging import staged_submission
from .context import service
from .models import SimilarityDocument, Submission

#: New documents one request reads from stored uploads (each is an unpacking)...
MAX_READS = 50
#: ...and for how long at most: past it, no further one is started.
READ_SECONDS = 2.0
#: Contents compared per team and challenge: the newest ones.
MAX_CONTENTS = 2000
#: Analyses kept in memory (one per team and challenge in use).
CACHED = 32

_lock = threading.Lock()
_reports: OrderedDict[tuple[object, ...], ContentReport] = OrderedDict()
_bases: dict[tuple[str, str], set[int]] = {}


def _document(submission: Submission) -> Document:
    """The one place a submission's files are read for similarity: the tree stored at upload.

    That tree was staged once, at intake, and graded as it is; a submission
    an older version stored as its archive is staged here.
    """
    running = service()
    if not submission.stored_path:
        raise InvalidSubmission("no files were stored: the upload refused this submission")
    path = running.data_dir / submission.stored_path
    if path.is_dir():
        return read_folder(str(submission.id), path)
    with staged_submission(path, label=submission.filename, scratch=running.intake.scratch) as staged:
        return read_folder(str(submission.id), staged.root)


def label(submission: Submission) -> str:
    """Who a submission is from, as far as the service knows: its candidate, else its file name."""
    return submission.candidate or submission.filename


@dataclass
class TeamSimilarity:
    """One team's similarity analysis of one challenge, and how complete it is."""

    analysis: ContentReport
    #: submission id -> the submission, for names and links (the team's own only)
    submissions: dict[int, Submission]
    #: contents not read yet (read by the next requests) or beyond :data:`MAX_CONTENTS`
    not_read: int = 0
    left_out: int = 0
    #: submissions that have no files to compare (refused at intake), or whose files could not be read
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def cut(self) -> str:
        return self.analysis.report.how_cut

    def fields(self, submission_id: int) -> dict[str, float | int | None]:
        """``max_similarity`` and ``similar_to`` (a submission id), for ``results.csv`` and the API."""
        found = self.analysis.fields(str(submission_id))
        score, partner = found["max_similarity"], found["similar_to"]
        if score is None or partner is None:
            return {"max_similarity": None, "similar_to": None}
        return {"max_similarity": float(score), "similar_to": int(partner)}

    def node(self, submission_id: int) -> str | None:
        return self.analysis.node_of.get(str(submission_id))

    def best(self, submission_id: int) -> tuple[float, Submission, bool] | None:
        """The closest other submission, its score, and whether the pair is flagged."""
        node = self.node(submission_id)
        found = self.analysis.report.best().get(node) if node else None
        if found is None:
            return None
        pair = self.pair(int(node or 0), int(found[1]))
        return found[0], self.submissions[int(found[1])], bool(pair and pair.flagged)

    def pair(self, first: int, second: int) -> Pair | None:
        """The compared pair of the two submissions' nodes (None if they were never close)."""
        a, b = self.node(first), self.node(second)
        if a is None or b is None or a == b:
            return None
        for pair in self.analysis.report.pairs:
            if {pair.a, pair.b} == {a, b}:
                return pair
        return None

    def flagged(self, among: Iterable[int] | None = None) -> list[Pair]:
        """Flagged pairs, highest first; with ``among``, those touching one of these submissions."""
        pairs = self.analysis.report.flagged
        if among is None:
            return pairs
        nodes = {self.node(i) for i in among} - {None}
        return [p for p in pairs if p.a in nodes or p.b in nodes]

    def clusters(self, among: Iterable[int] | None = None) -> list[list[Submission]]:
        """Groups of three or more linked by flagged pairs; with ``among``, those touching them."""
        nodes = None if among is None else {self.node(i) for i in among} - {None}
        return [
            [self.submissions[int(n)] for n in group]
            for group in self.analysis.report.clusters()
            if nodes is None or nodes & set(group)
        ]

    def partners(self, submission_id: int) -> list[tuple[float, Submission]]:
        """The submissions its flagged pairs name, highest first (the other side of each)."""
        node = self.node(submission_id)
        return [
            (p.score, self.submissions[int(p.partner(node))])
            for p in self.analysis.report.flagged
            if node in (p.a, p.b)
        ]

    def skipped_among(self, among: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """The submissions left out (no files, unreadable), with why; with ``among``, only those."""
        wanted = None if among is None else set(among)
        return [(i, why) for i, why in sorted(self.skipped.items()) if wanted is None or i in wanted]

    def also(self, node: str) -> list[Submission]:
        """The other submissions a node stands for (the same candidate's same code)."""
        return [self.submissions[int(i)] for i in self.analysis.members.get(node, [])[1:]]


def team_similarity(session: Session, team_id: int, challenge: Challenge) -> TeamSimilarity:
    """The analysis of every submission of ``team_id`` to ``challenge``, read and computed as needed."""
    subs = list(
        session.scalars(
            select(Submission)
            .where(Submission.team_id == team_id, Submission.challenge_id == challenge.id)
            .order_by(Submission.id)
        )
    )
    by_id = {s.id: s for s in subs}
    skipped = {s.id: "no files: it was refused when it was uploaded" for s in subs if not s.content_hash}
    holders: dict[str, list[Submission]] = {}
    for s in subs:
        if s.content_hash:
            holders.setdefault(s.content_hash, []).append(s)
    newest = sorted(holders, key=lambda h: holders[h][-1].id)[-MAX_CONTENTS:]
    left_out = len(holders) - len(newest)
    stored = _stored(session, newest)
    missing = [h for h in newest if h not in stored]
    started, read = time.monotonic(), 0
    for content_hash in missing[:MAX_READS]:
        if read and time.monotonic() - started > READ_SECONDS:
            break
        stored[content_hash] = _read(session, holders[content_hash][0])
        read += 1
    usable = [h for h in newest if h in stored]
    for content_hash in usable:
        if stored[content_hash].problem:
            skipped.update((s.id, stored[content_hash].problem) for s in holders[content_hash])
    usable = [h for h in usable if not stored[h].problem]
    key = (
        challenge.id,
        challenge.version,
        DOCUMENT_VERSION,
        tuple((h, tuple((s.id, label(s)) for s in holders[h])) for h in usable),
    )
    with _lock:
        analysis = _reports.get(key)
        if analysis is not None:
            _reports.move_to_end(key)
    if analysis is None:
        analysis = _analyse(challenge, [(stored[h], holders[h]) for h in usable])
        with _lock:
            _reports[key] = analysis
            while len(_reports) > CACHED:
                _reports.popitem(last=False)
    not_read = len(missing) - read
    return TeamSimilarity(analysis, by_id, not_read, left_out, skipped)


def _stored(session: Session, hashes: list[str]) -> dict[str, SimilarityDocument]:
    """The stored documents of these contents, by content hash (one query per 500)."""
    found: dict[str, SimilarityDocument] = {}
    prefix = f"{DOCUMENT_VERSION}:"
    for start in range(0, len(hashes), 500):
        keys = [f"{prefix}{h}"[:100] for h in hashes[start : start + 500]]
        for row in session.scalars(select(SimilarityDocument).where(SimilarityDocument.key.in_(keys))):
            found[row.key[len(prefix) :]] = row
    return found


def _read(session: Session, submission: Submission) -> SimilarityDocument:
    """Read one content's document from its first upload and store it (or why it is unreadable)."""
    try:
        row = SimilarityDocument(document=document_to_json(_document(submission)), problem="")
    except UsageError as exc:
        row = SimilarityDocument(document="", problem=exc.format())
    except OSError as exc:
        row = SimilarityDocument(document="", problem=f"its stored files cannot be read: {exc.strerror}")
    row.key = f"{DOCUMENT_VERSION}:{submission.content_hash}"[:100]
    if row.problem.startswith("its stored files"):
        return row  # perhaps transient: tried again next time, nothing stored
    try:
        with session.begin_nested():
            session.add(row)
        session.commit()
    except IntegrityError:  # another request stored it first: the same content, the same document
        session.rollback()
    return row


def _analyse(
    challenge: Challenge, contents: list[tuple[SimilarityDocument, list[Submission]]]
) -> ContentReport:
    """``grader batch``'s analysis over one document per content, the challenge's stub as base."""
    base_key = (challenge.id, challenge.version)
    base = _bases.get(base_key)
    if base is None:
        base = _bases[base_key] = load_base(challenge)
    documents = [
        Content(
            document_from_json(str(subs[0].id), row.document),
            [(str(s.id), label(s)) for s in subs],
        )
        for row, subs in contents
    ]
    return analyse_contents(challenge.id, documents, base)
