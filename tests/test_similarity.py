"""Similarity, piece by piece: normalised tokens, winnowing, the index, the stub as base, the report."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.similarity import analyse_paths
from grader.similarity.analysis import analyse
from grader.similarity.fingerprint import Document, K, SourceFile, W, winnow
from grader.similarity.index import FingerprintIndex, ubiquity_limit
from grader.similarity.render import similarity_fields, similarity_page, similarity_text
from grader.similarity.report import Pair, SimilarityReport
from grader.similarity.sources import MAX_SUBMISSION_LINES, read_folder
from grader.similarity.tokens import normalise, source_lines

ORIGINAL = '''
from flask import Flask, jsonify

app = Flask(__name__)
TOTALS = {}


def add(name, amount):
    """Add an amount to a name's total."""
    # keep a running total
    TOTALS[name] = TOTALS.get(name, 0) + amount
    return jsonify(total=TOTALS[name], name="done")
'''

DISGUISED = """
from flask import Flask, jsonify

application = Flask(__name__)
SUMS = {}


def increase(who, value):
    '''Different words entirely.'''
    SUMS[who] = SUMS.get(
        who,
        0,
    ) + value  # another comment
    return jsonify(total=SUMS[who], name='changed')
"""


def _texts(source: str) -> list[str]:
    return [t.text for t in normalise(source)]


def test_renames_comments_docstrings_layout_and_strings_normalise_away() -> None:
    assert _texts(ORIGINAL) == _texts(DISGUISED)


def test_names_the_file_does_not_bind_keep_their_text() -> None:
    texts = _texts("from flask import jsonify\n\ndef f(x):\n    return jsonify(len(x))\n")
    assert texts.count("V") == 3  # f, x, x
    assert {"jsonify", "len", "return", "def"} <= set(texts)


def test_fstrings_are_one_string_and_lines_are_kept() -> None:
    tokens = normalise('def f(a):\n    return f"{a} and {a!r}"\n')
    assert [t.text for t in tokens][-3:] == ["S", ";", "}"]
    assert tokens[-3].first_line == 2


def test_code_that_does_not_parse_still_gives_tokens() -> None:
    texts = _texts("count = 1\ndef broken(:\n    total = count +\n")
    assert texts[:3] == ["V", "=", "1"]
    assert "def" in texts


def test_winnowing_keeps_one_of_every_window() -> None:
    hashes = [5, 3, 9, 3, 7, 1, 8, 2]
    kept = winnow(hashes, 4)
    assert kept == {3, 5}  # rightmost minimum of each window of 4
    for start in range(len(hashes) - 3):
        assert kept & set(range(start, start + 4))


def _document(doc_id: str, source: str) -> Document:
    return Document(doc_id, [SourceFile("app.py", source_lines(source), normalise(source))])


def test_a_shared_run_of_k_plus_w_minus_1_tokens_always_shares_a_fingerprint() -> None:
    shared = "x = compute(alpha, beta) + other(gamma)\n" * 3
    a = _document("a", "import os\n" + shared)
    b = _document("b", "import sys\nimport re\n" + shared)
    assert len(normalise(shared)) >= K + W - 1
    assert a.fingerprints() & b.fingerprints()


def test_the_index_only_pairs_submissions_that_share_fingerprints() -> None:
    a = _document("a", ORIGINAL)
    b = _document("b", DISGUISED)
    c = _document(
        "c", "import os\n\nprint(sorted(os.listdir('.')), len(os.environ))\nwhile True:\n    pass\n"
    )
    index = FingerprintIndex([a, b, c], base=set())
    assert set(index.shared_counts()) == {("a", "b")}
    assert index.candidates(0.1, 2) == [("a", "b")]


def test_fingerprints_held_by_most_of_a_large_batch_are_idioms() -> None:
    assert ubiquity_limit(4) == 10 and ubiquity_limit(100) == 50
    documents = [_document(f"s{i}", ORIGINAL) for i in range(12)]
    index = FingerprintIndex(documents, base=set())
    assert index.ubiquitous and not index.postings


def test_code_inherited_from_the_stub_is_never_shared() -> None:
    stub = _document("stub", ORIGINAL)
    copies = [_document("a", ORIGINAL), _document("b", DISGUISED)]
    report = analyse("c", copies, base=stub.all_hashes())
    assert not report.flagged
    assert analyse("c", copies, base=set()).flagged


def _pair(a: str, b: str, score: float, flagged: bool = True) -> Pair:
    return Pair(a, b, score, score, score, 100, flagged=flagged)


def test_clusters_best_partner_and_columns() -> None:
    report = SimilarityReport(
        "hello-world",
        0.5,
        ["a", "b", "c", "d", "e"],
        [
            _pair("a", "b", 0.9),
            _pair("b", "c", 0.7),
            _pair("d", "e", 0.95),
            _pair("c", "d", 0.3, flagged=False),
        ],
    )
    assert report.clusters() == [["a", "b", "c"]]
    assert report.best()["c"] == (0.7, "b") and report.best()["d"] == (0.95, "e")
    assert similarity_fields(report, "c") == {"max_similarity": 0.7, "similar_to": "b"}
    assert similarity_fields(None, "c") == {"max_similarity": None, "similar_to": None}
    assert report.score("c", "d") == 0.3 and report.score("a", "e") is None
    assert "clusters of three or more:\n  3: a, b, c" in similarity_text(report)


def test_unreadable_submissions_are_skipped_with_their_reason(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "app.py").write_text(ORIGINAL)
    (tmp_path / "broken.zip").write_text("not a zip")
    with zipfile.ZipFile(tmp_path / "zipped.zip", "w") as archive:
        archive.writestr("zipped/app.py", DISGUISED)
    items = [
        ("ok", tmp_path / "ok"),
        ("broken", tmp_path / "broken.zip"),
        ("zipped", tmp_path / "zipped.zip"),
    ]
    report = analyse_paths(get_challenge("hello-world"), items)
    assert report.submissions == ["ok", "zipped"]
    assert "not a readable archive" in report.skipped["broken"]
    assert [(p.a, p.b) for p in report.flagged] == [("ok", "zipped")]


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", "</div><img src=http://x.example/a.png>"])
def test_the_page_escapes_candidate_code_and_loads_nothing(tmp_path: Path, evil: str) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(ORIGINAL.replace('"done"', repr(evil)))
    challenge = get_challenge("hello-world")
    report = analyse_paths(challenge, [(n, tmp_path / n) for n in ("a", "b")])
    html = similarity_page(challenge, report)
    assert report.flagged and "side by side" in html
    assert evil not in html and "&lt;" in html
    assert "<script src" not in html and "http://" not in html.replace("http://x.example", "")


def test_keyword_arguments_keep_their_name_even_after_non_ascii_text() -> None:
    texts = _texts('def f(name):\n    return dict(é="ü", name=name)\n')
    assert texts[-6:] == ["name", "=", "V", ")", ";", "}"]


def test_code_written_twice_on_one_side_is_shown_once_beside_its_counterpart() -> None:
    body = (
        "def V{n}(request, store):\n    data = request.get_json(silent=True) or {{}}\n"
        "    for key in sorted(data):\n        store.setdefault(key, []).append(len(data[key]))\n"
        "    return {{k: sum(v) for k, v in store.items()}}\n"
    )
    once = _document("once", "import json\n\n" + body.format(n=1) + "\nprint(json.dumps([1, 2]))\n")
    twice = _document("twice", "import json\n\n" + body.format(n=1) + "\n" + body.format(n=2))
    report = analyse("c", [once, twice], base=set(), threshold=0.1)
    (pair,) = report.flagged
    assert pair.coverage_b == 1.0  # both copies in 'twice' are found in 'once'
    b_ranges = [(f.a.start, f.a.end) if pair.a == "once" else (f.b.start, f.b.end) for f in pair.fragments]
    assert len(b_ranges) == len(set(b_ranges)) == 1  # 'once' is shown beside one of them, not twice


def test_a_block_ends_on_its_own_last_line() -> None:
    tokens = normalise("def f():\n    return 1\n\n\nx = 2\n")
    dedent = next(t for t in tokens if t.text == "}")
    assert (dedent.first_line, dedent.last_line) == (2, 2)


_ALICE = Path(__file__).parent / "similarity" / "json-post" / "alice"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("def bad_request(reason):", "def bad_request(:reason):"),  # the one-character change
        ("def show_user(user_id):", "def show_user(user_id)"),  # a colon dropped
        ("def echo_data():", "def echo_data(:"),  # the same under a decorator: `if True:` cannot follow one
        ('@app.route("/api/data", methods=["POST"])', '@app.route("/api/data", methods=["POST"]'),  # unclosed
    ],
)
def test_a_copy_that_no_longer_parses_is_still_a_copy(tmp_path: Path, old: str, new: str) -> None:
    source = (_ALICE / "app.py").read_text()
    assert old in source
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "app.py").write_text(source)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "app.py").write_text(source.replace(old, new, 1))
    report = analyse_paths(
        get_challenge("json-post"), [("alice", tmp_path / "alice"), ("broken", tmp_path / "broken")]
    )
    assert [(p.a, p.b) for p in report.flagged] == [("alice", "broken")]
    assert report.flagged[0].score >= 0.8


def test_the_largest_files_beyond_the_line_budget_are_left_out(tmp_path: Path) -> None:
    """Reading costs time per line: a padded submission is read up to the budget, its own code first."""
    (tmp_path / "app.py").write_text(ORIGINAL)
    (tmp_path / "a_padding.py").write_text("x = 1\n" * MAX_SUBMISSION_LINES)
    (tmp_path / "b_small.py").write_text("y = 2\n" * 10)
    document = read_folder("one", tmp_path)
    assert [f.name for f in document.files] == ["app.py", "b_small.py"]
