"""The OpenAPI document's body schemas, checked against a real ``grader serve``'s real answers.

Every documented operation is called (with its success status at least
once), and each answer is validated against the schema the document gives
for its status and media type. Every time in every answer must be RFC 3339
with its offset: SQLite hands times back naive, which once made
``GET /batches/N`` say ``2026-12-04T10:00:00`` where ``POST /batches`` said
``+00:00``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from grader.service.openapi import document

from .private_support import write_challenge, zipped
from .service_support import Api, Server, batch_archive, golden_zip, make_team
from .test_service_webhooks import Receiver

_MEDIA_BODY = ("application/json", "application/problem+json")


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) to what it names."""
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for ``schema`` whose ``#/components/...`` references resolve in ``doc``."""
    return Draft202012Validator({**schema, "components": doc["components"]})


def _walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _walk_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_refs(value)


def test_every_body_has_a_schema_and_every_schema_is_valid() -> None:
    doc = document()
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for ref in _walk_refs(doc):
        assert _resolve(doc, {"$ref": ref}), ref
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is not None:
                assert all("schema" in media for media in body["content"].values()), (path, method)
            for status, answer in operation["responses"].items():
                answer = _resolve(doc, answer)
                if status == "204":
                    assert "content" not in answer, (path, method)
                    continue
                assert answer.get("content"), (path, method, status)
                assert all("schema" in media for media in answer["content"].values()), (path, method, status)


def _times(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every value under a time key (``*_at`` or ``at``), with where it was found."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "at" or key.endswith("_at"):
                yield f"{where}.{key}", value
            yield from _times(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _times(value, f"{where}[{index}]")


class Checker:
    """Validates each answer against the document and remembers which operations were seen."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.doc: dict[str, Any] = api.get("/openapi.json").json()
        self.seen: set[tuple[str, str, int]] = set()
        #: the time keys seen with a value (each one checked when its answer came)
        self.time_keys: set[str] = set()

    def call(self, method: str, template: str, expect: int, /, **kwargs: Any) -> requests.Response:
        path = template.format(**kwargs.pop("ids", {}))
        answer = self.api.request(method.upper(), path, **kwargs)
        assert answer.status_code == expect, (method, path, answer.text)
        self.check(method, template, answer)
        return answer

    def check(self, method: str, template: str, answer: requests.Response) -> None:
        operation = self.doc["paths"][template][method]
        documented = operation["responses"].get(str(answer.status_code))
        assert documented is not None, (method, template, answer.status_code, "status not documented")
        documented = _resolve(self.doc, documented)
        self.seen.add((method, template, answer.status_code))
        if answer.status_code == 204:
            assert "content" not in documented and answer.content == b""
            return
        media = answer.headers["Content-Type"].split(";")[0]
        assert media in documented["content"], (method, template, media)
        schema = documented["content"][media]["schema"]
        body = answer.json() if media in _MEDIA_BODY else answer.text
        errors = [e.message for e in _validator(self.doc, schema).iter_errors(body)]
        assert not errors, (method, template, answer.status_code, errors[:3], body)
        for where, value in _times(body if template != "/openapi.json" else {}):  # it names, not gives, times
            if value is not None:
                parsed = datetime.fromisoformat(value)
                assert parsed.tzinfo is not None and value.endswith("Z"), (method, template, where, value)
                self.time_keys.add(where.rsplit(".", 1)[-1])

    def request_body(self, schema_name: str, body: Any) -> Any:
        """A JSON body we send, checked against its documented schema first."""
        _validator(self.doc, {"$ref": f"#/components/schemas/{schema_name}"}).validate(body)
        return body


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Api, Api]]:
    data = tmp_path / "data"
    data.mkdir()
    # webhook calls go to a local receiver that always fails, so a delivery stays pending with a next try
    env = {"GRADER_WEBHOOK_ALLOW_PRIVATE": "true", "GRADER_WEBHOOK_RETRY_SECONDS": "600"}
    server = Server(data, env=env).start()
    try:
        yield Api(server, make_team(data, "alpha")), Api(server, "grd_not-a-token")
    finally:
        assert server.stop() == 0


def _wait(predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.mark.slow
def _private_challenge_calls(c: Checker, api: Api, tmp: Path) -> None:
    """Add a private challenge, follow its verification, read it; and a refusal (422)."""
    archive = zipped(write_challenge(tmp / "doc-ping", "doc-ping"))
    added = c.call("post", "/challenges", 202, files={"file": ("doc.zip", archive)})
    ids = {"challenge_id": "doc-ping", "revision": added.json()["revision"]}
    _wait(lambda: api.get("/challenges/doc-ping/revisions/1").json()["status"] != "verifying", "verified")
    c.call("get", "/challenges/{challenge_id}/revisions/{revision}", 200, ids=ids)
    c.call("get", "/challenges/{challenge_id}", 200, ids={"challenge_id": "doc-ping"})
    shadow = zipped(write_challenge(tmp / "doc-shadow", "hello-world"))
    c.call("post", "/challenges", 422, files={"file": ("shadow.zip", shadow)})


def test_real_answers_match_the_documented_schemas_and_every_time_has_an_offset(
    served: tuple[Api, Api], tmp_path: Path
) -> None:
    api, stranger = served
    tmp = tmp_path
    c = Checker(api)
    receiver = Receiver(failures=1000)
    try:
        hook = c.call(
            "post", "/webhooks", 201, json=c.request_body("WebhookRegistration", {"url": receiver.url})
        ).json()
        c.call("get", "/challenges", 200)
        c.call("get", "/openapi.json", 200)
        _private_challenge_calls(c, api, tmp)
        upload = c.call(
            "post", "/submissions", 202, data={"challenge": "hello-world", "candidate": "ann"},
            files={"file": ("ann.zip", golden_zip("no-comma"))},
        ).json()  # fmt: skip
        sub = {"submission_id": upload["id"]}
        c.call("get", "/submissions/{submission_id}", 200, ids=sub)  # queued or running: no result yet
        api.wait_done(f"/submissions/{upload['id']}")
        c.call("get", "/submissions/{submission_id}", 200, ids=sub)
        for fmt in ("json", "junit", "markdown", "exercism", "gradescope"):
            c.call("get", "/submissions/{submission_id}/result", 200, ids=sub, params={"format": fmt})
        c.call("get", "/submissions", 200, params={"candidate": "ann"})
        archive = batch_archive({"bob": "methodview"})
        batch = c.call(
            "post", "/batches", 202, data={"challenge": "hello-world"}, files={"file": ("b.tar.gz", archive)}
        ).json()
        api.wait_done(f"/batches/{batch['id']}")
        c.call("get", "/batches/{batch_id}", 200, ids={"batch_id": batch["id"]})
        c.call("get", "/batches/{batch_id}/results.csv", 200, ids={"batch_id": batch["id"]})
        c.call("post", "/batches", 202, json=c.request_body("BatchOfIds", {"submissions": [upload["id"]]}))
        c.call("get", "/batches", 200)
        c.call("post", "/submissions/{submission_id}/regrade", 202, ids=sub)
        c.call("get", "/webhooks", 200)
        deliveries = "/webhooks/{webhook_id}/deliveries"
        _wait(lambda: receiver.calls, "a webhook call")
        _wait(lambda: api.get(f"/webhooks/{hook['id']}/deliveries").json()["deliveries"][-1]["log"], "logged")
        log = c.call("get", deliveries, 200, ids={"webhook_id": hook["id"]}).json()
        assert log["deliveries"][-1]["status"] == "pending" and log["deliveries"][-1]["next_attempt_at"]
        # invitations and candidates (the candidate's own routes are not the team's API)
        deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        person = {"challenge": "hello-world", "name": "Ann", "email": "ann@example.com", "deadline": deadline}
        created = c.call("post", "/invitations", 201, json=c.request_body("InvitationRequest", person)).json()
        api.http.get(created["link"] + "/kit", timeout=30).raise_for_status()  # started: started_at
        inv = {"invitation_id": created["id"]}
        c.call("get", "/invitations", 200)
        c.call("get", "/invitations/{invitation_id}", 200, ids=inv)
        later = {"deadline": (datetime.now(UTC) + timedelta(days=2)).isoformat()}
        c.call(
            "post",
            "/invitations/{invitation_id}/extend",
            200,
            ids=inv,
            json=c.request_body("Extension", later),
        )
        c.call("post", "/invitations/{invitation_id}/revoke", 200, ids=inv)
        who = {"candidate_id": created["candidate"]}
        c.call("get", "/candidates", 200, params={"q": "ann"})
        c.call("get", "/candidates/{candidate_id}", 200, ids=who)
        decision = c.request_body("CandidateUpdate", {"review_status": "advance", "notes": "n"})
        c.call("patch", "/candidates/{candidate_id}", 200, ids=who, json=decision)
        c.call("post", "/invitations", 400, json={**person, "email": "nope"})
        c.call("patch", "/candidates/{candidate_id}", 400, ids=who, json={"review_status": "maybe"})
        # problem answers follow the Problem schema too
        c.call("get", "/submissions/{submission_id}", 404, ids={"submission_id": 999999})
        c.call("get", "/submissions", 400, params={"per_page": "500"})
        c.call("post", "/submissions", 400, data={}, files={"file": ("a.zip", b"x")})
        c.call("get", "/submissions/{submission_id}/result", 400, ids=sub, params={"format": "pdf"})
        c.check("get", "/challenges", stranger.get("/challenges"))
        c.call("delete", "/webhooks/{webhook_id}", 204, ids={"webhook_id": hook["id"]})
    finally:
        receiver.close()
    documented = {(m, p) for p, ops in c.doc["paths"].items() for m in ops}
    assert {(m, p) for m, p, status in c.seen if status < 300} == documented
    assert {s for _, _, s in c.seen} >= {200, 201, 202, 204, 400, 401, 404, 422}
    # every kind of time the API gives was seen with a value, and each one had its offset
    assert c.time_keys == {
        "created_at", "finished_at", "at", "next_attempt_at", "closes_at", "started_at", "revoked_at",
    }, c.time_keys  # fmt: skip
    # the webhook call carries the same submission object, times included
    sent = json.loads(receiver.calls[0][1])["submission"]
    assert sent["created_at"].endswith("Z") and sent["finished_at"].endswith("Z")
