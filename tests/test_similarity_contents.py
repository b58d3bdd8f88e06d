"""The service's adapter to the similarity analysis: stored documents, one document per content."""

from __future__ import annotations

from grader.challenges import get_challenge
from grader.similarity import analyse_submissions
from grader.similarity.contents import (
    Content,
    analyse_contents,
    document_from_json,
    document_to_json,
)
from grader.similarity.sources import load_base, read_folder

from .conftest import ROOT

CORPUS = ROOT / "tests" / "similarity" / "json-post"
NAMES = ["alice", "alice-all", "alice-rename", "bob", "bob-all", "carol", "dave", "stubline-1"]


def _stored(name: str, as_id: str | None = None) -> Content:
    """A corpus submission as the service keeps it: stored as JSON and read back."""
    document = read_folder(name, CORPUS / name)
    return Content(document_from_json(as_id or name, document_to_json(document)), [(as_id or name, name)])


def test_a_stored_document_reads_back_the_same() -> None:
    document = read_folder("alice", CORPUS / "alice")
    again = document_from_json("alice", document_to_json(document))
    assert again == document
    assert again.fingerprints() == document.fingerprints()


def test_the_same_analysis_as_grader_batch() -> None:
    """Distinct contents, read back from storage: the pairs, scores, flags and cut of ``grader similar``."""
    challenge = get_challenge("json-post")
    batch = analyse_submissions(challenge, [(n, CORPUS / n) for n in NAMES])
    stored = analyse_contents(challenge.id, [_stored(n) for n in NAMES], load_base(challenge))
    assert stored.report.cut == batch.cut
    assert [(p.a, p.b, p.score, p.flagged) for p in stored.report.pairs] == [
        (p.a, p.b, p.score, p.flagged) for p in batch.pairs
    ]
    assert {n: stored.fields(n) for n in NAMES} == {
        n: {"max_similarity": round(batch.best()[n][0], 3), "similar_to": batch.best()[n][1]}
        for n in NAMES
        if n in batch.best()
    } | {n: {"max_similarity": None, "similar_to": None} for n in NAMES if n not in batch.best()}


def test_a_re_upload_is_its_first_upload_and_identical_code_of_two_candidates_a_pair() -> None:
    challenge = get_challenge("json-post")
    alice = _stored("alice", "1")
    shared = Content(alice.document, [("1", "ann"), ("5", "ann"), ("7", "eve")])
    other = _stored("carol", "2")
    found = analyse_contents(challenge.id, [shared, other], load_base(challenge))
    assert found.node_of == {"1": "1", "5": "1", "7": "7", "2": "2"}
    assert found.members["1"] == ["1", "5"]
    assert sorted(found.report.submissions) == ["1", "2", "7"]
    identical = [p for p in found.report.pairs if {p.a, p.b} == {"1", "7"}]
    assert len(identical) == 1 and identical[0].score == 1.0 and identical[0].flagged
    assert found.fields("5") == {"max_similarity": 1.0, "similar_to": "7"}
    assert found.fields("7") == {"max_similarity": 1.0, "similar_to": "1"}


def test_identical_stub_only_code_is_not_flagged() -> None:
    """Two candidates who changed nothing share only the stub: a pair, but not evidence of copying."""
    challenge = get_challenge("json-post")
    stub = read_folder("1", challenge.stub_dir)
    found = analyse_contents(
        challenge.id, [Content(stub, [("1", "ann"), ("2", "bob")])], load_base(challenge)
    )
    (pair,) = found.report.pairs
    assert pair.score == 1.0 and not pair.flagged and found.report.flagged == []
