"""``GET /submissions`` and ``GET /batches`` against a real ``grader serve``: scope, pages, filters, 400s.

Also the multipart ``challenge`` field: missing or blank is the client's
mistake (400 naming the field), not an unknown challenge (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from .service_support import Api, Server, batch_archive, golden_zip, make_team

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Team alpha: four submissions (two challenges) and two batches; team beta: one of each."""
    data = tmp_path_factory.mktemp("lists") / "data"
    data.mkdir()
    server = Server(data).start()
    try:
        a = Api(server, make_team(data, "alpha"))
        b = Api(server, make_team(data, "beta"))
        subs = [
            a.upload(golden_zip("no-comma"), "ann.zip", candidate="ann", external_id="x-1").json()["id"],
            a.upload(golden_zip("index-201"), "bob.zip", candidate="bob", external_id="x-2").json()["id"],
            a.upload(golden_zip("no-comma"), "cat.zip", challenge="json-post", candidate="cat").json()["id"],
            a.upload(golden_zip("methodview"), "ann2.zip", candidate="ann", external_id="x-3").json()["id"],
        ]
        theirs = b.upload(golden_zip("no-comma"), "ann.zip", candidate="ann", external_id="x-1").json()["id"]
        for sub in subs:
            a.wait_done(f"/submissions/{sub}")
        b.wait_done(f"/submissions/{theirs}")
        by_ids = a.post("/batches", json={"submissions": subs[:2], "name": "first two"}).json()["id"]
        archive = a.post(
            "/batches",
            data={"challenge": "hello-world"},
            files={"file": ("all.tar.gz", batch_archive({"dan": "no-escape"}))},
        ).json()["id"]
        a.wait_done(f"/batches/{archive}")
        their_batch = b.post("/batches", json={"submissions": [theirs]}).json()["id"]
        yield {
            "a": a,
            "b": b,
            "subs": subs,
            "theirs": theirs,
            "batches": [by_ids, archive],
            "their_batch": their_batch,
        }
    finally:
        assert server.stop() == 0


def _list(api: Api, path: str, **params: Any) -> dict[str, Any]:
    answer = api.get(path, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _ids(api: Api, path: str, **params: Any) -> list[int]:
    return [item["id"] for item in _list(api, path, per_page=100, **params)["items"]]


def test_lists_hold_only_the_teams_own_objects_newest_first(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    b: Api = env["b"]
    mine = _list(a, "/submissions", per_page=100)
    dan = next(i["id"] for i in mine["items"] if i["candidate"] == "dan")
    assert [i["id"] for i in mine["items"]] == sorted([*env["subs"], dan], reverse=True)
    assert mine["total"] == 5 and mine["page"] == 1 and mine["per_page"] == 100
    assert _ids(b, "/submissions") == [env["theirs"]]
    assert _ids(a, "/batches") == sorted(env["batches"], reverse=True)
    assert _ids(b, "/batches") == [env["their_batch"]]
    # the other team's objects stay out even when a filter matches them exactly
    assert env["theirs"] not in _ids(a, "/submissions", candidate="ann", external_id="x-1")
    assert _list(b, "/batches", candidate="bob")["total"] == 0


def test_list_items_are_summaries_without_the_result(env: dict[str, Any]) -> None:
    item = _list(env["a"], "/submissions", external_id="x-2")["items"][0]
    full = env["a"].get(f"/submissions/{item['id']}").json()
    assert item == {  # the similarity fields, like the result, are on the submission's own object only
        **{k: v for k, v in full.items() if k not in ("result", "max_similarity", "similar_to")},
        "verdict": full["result"]["status"],
        "percent": full["result"]["percent"],
    }
    batch = _list(env["a"], "/batches", per_page=1)["items"][0]
    whole = env["a"].get(f"/batches/{batch['id']}").json()
    assert batch == {k: v for k, v in whole.items() if k != "submissions"}
    assert batch["progress"] == {
        "total": 1,
        "queued": 0,
        "running": 0,
        "done": 1,
        "passed": 0,
        "failed": 1,
        "error": 0,
    }


def test_pages_cover_every_item_once_with_the_total(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    everything = _ids(a, "/submissions")
    seen: list[int] = []
    for page in (1, 2, 3):
        body = _list(a, "/submissions", per_page=2, page=page)
        assert body["total"] == len(everything) and body["per_page"] == 2 and body["page"] == page
        seen += [i["id"] for i in body["items"]]
    assert seen == everything
    assert _list(a, "/submissions", per_page=2, page=4)["items"] == []
    assert len(_list(a, "/submissions")["items"]) == 5  # default per_page is 20
    assert _list(a, "/batches", per_page=1, page=2)["items"][0]["id"] == min(env["batches"])


def test_submission_filters(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    ann, bob, cat, ann2 = env["subs"]
    assert _ids(a, "/submissions", candidate="ann") == [ann2, ann]
    assert _ids(a, "/submissions", external_id="x-2") == [bob]
    assert _ids(a, "/submissions", challenge="json-post") == [cat]
    assert _ids(a, "/submissions", challenge="json-post", candidate="ann") == []
    assert _ids(a, "/submissions", status="queued") == []
    assert len(_ids(a, "/submissions", status="done")) == 5
    assert _ids(a, "/submissions", status="passed", candidate="ann") == [ann2]  # methodview passes
    assert _ids(a, "/submissions", status="failed", candidate="ann") == [ann]
    first = a.get(f"/submissions/{bob}").json()["created_at"]
    newer = _ids(a, "/submissions", created_after=first)
    assert bob not in newer and set(newer) >= {cat, ann2} and ann not in newer
    # the same instant written with another offset selects the same objects
    moment = datetime.fromisoformat(first)
    shifted = moment.astimezone(timezone(timedelta(hours=-5))).isoformat()
    plus_one = (moment + timedelta(hours=1)).replace(tzinfo=None).isoformat() + "+01:00"
    assert _ids(a, "/submissions", created_after=shifted) == newer
    assert _ids(a, "/submissions", created_after=plus_one) == newer


def test_batch_filters(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    by_ids, archive = env["batches"]
    assert _ids(a, "/batches", candidate="dan") == [archive]
    assert _ids(a, "/batches", external_id="x-2") == [by_ids]
    assert _ids(a, "/batches", challenge="hello-world") == [archive, by_ids]
    assert _ids(a, "/batches", status="done") == [archive, by_ids]
    assert _ids(a, "/batches", status="pending") == []
    created = a.get(f"/batches/{by_ids}").json()["created_at"]
    assert _ids(a, "/batches", created_after=created) == [archive]


BAD = [
    ("/submissions", {"per_page": "0"}, "per_page"),
    ("/submissions", {"per_page": "101"}, "per_page"),
    ("/submissions", {"per_page": "ten"}, "per_page"),
    ("/submissions", {"page": "0"}, "page"),
    ("/submissions", {"page": "-1"}, "page"),
    ("/submissions", {"page": "99999999999999999999999"}, "page"),
    ("/submissions", {"status": "finished"}, "status"),
    ("/submissions", {"challenge": ""}, "challenge"),
    ("/submissions", {"candidate": "x" * 201}, "candidate"),
    ("/submissions", {"created_after": "2026-12-04T10:00:00"}, "created_after"),  # no offset
    ("/submissions", {"created_after": "yesterday"}, "created_after"),
    ("/submissions", {"created_after": "2026-12-04T10:00:00 01:00"}, "created_after"),  # "+" not encoded
    ("/submissions", {"created_after": "0001-01-01T00:00:00+01:00"}, "created_after"),  # before year 1 in UTC
    ("/submissions", {"created_after": "2026-12-04T10:00:00Z" * 4}, "created_after"),
    ("/submissions", {"candiate": "ann"}, "candiate"),
    ("/batches", {"status": "failed"}, "status"),
    ("/batches", {"per_page": "1000"}, "per_page"),
    ("/batches", {"created_after": "2026-13-04T10:00:00Z"}, "created_after"),
    ("/batches", {"name": "x"}, "name"),
]


@pytest.mark.parametrize(("path", "params", "field"), BAD)
def test_bad_list_parameters_answer_400_naming_the_field(
    env: dict[str, Any], path: str, params: dict[str, str], field: str
) -> None:
    answer: requests.Response = env["a"].get(path, params=params)
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["field"] == field and f"`{field}`" in body["detail"], body
    assert "\n" not in body["detail"] and "Traceback" not in answer.text


def test_a_missing_challenge_field_is_a_400_naming_it(env: dict[str, Any]) -> None:
    a: Api = env["a"]
    zipped = golden_zip("no-comma")
    for path in ("/submissions", "/batches"):
        for form in ({}, {"challenge": ""}, {"challenge": "   "}):
            answer = a.post(path, data=form, files={"file": ("a.zip", zipped)})
            assert answer.status_code == 400, (path, form, answer.text)
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert answer.json()["field"] == "challenge" and "grader list" not in answer.text
        unknown = a.post(path, data={"challenge": "hello-wrld"}, files={"file": ("a.zip", zipped)})
        assert unknown.status_code == 404 and "did you mean 'hello-world'?" in unknown.json()["detail"]
