"""Hidden tests for todo-api. Each checks one promise of the statement.

One database serves the whole run (a restart keeps it), so every test creates
the todos it needs, with titles no other test uses, and compares counts
before and after instead of assuming ids or totals.
"""

import math
import os
import time
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

# An id that no run ever reaches (ids are positive integers assigned by the app).
UNKNOWN_ID = 987654321
JSON_TYPE = {"Content-Type": "application/json"}
# Pages read when collecting a whole list; far more than any run creates.
MAX_PAGES = 50


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:12]}"


def body_of(response: Any) -> Any:
    """The response body parsed as JSON, or fail with what the app answered."""
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def assert_error(response: Any, status: int, context: str) -> None:
    assert response.status == status, f"{context}: expected {status}, got {response.describe()}"
    body = body_of(response)
    message = body.get("error") if isinstance(body, dict) else None
    assert isinstance(message, str) and message, (
        f"{context}: the error body needs a non-empty string 'error': {response.describe()}"
    )


def create(client: Any, title: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/todos", json={"title": title, **fields})
    assert response.status == 201, f"creating {title!r}: {response.describe()}"
    todo = body_of(response)
    assert isinstance(todo, dict) and is_positive_int(todo.get("id")), (
        f"creating {title!r}: expected a todo with a positive integer id: {response.describe()}"
    )
    return todo


def fetch(client: Any, todo_id: Any) -> dict[str, Any]:
    response = client.get(f"/api/todos/{todo_id}")
    assert response.status == 200, f"GET /api/todos/{todo_id}: {response.describe()}"
    todo = body_of(response)
    assert isinstance(todo, dict), f"GET /api/todos/{todo_id}: {response.describe()}"
    return todo


def list_page(client: Any, **params: Any) -> dict[str, Any]:
    response = client.get("/api/todos", params={k: str(v) for k, v in params.items()})
    context = f"GET /api/todos {params or ''}".strip()
    assert response.status == 200, f"{context}: {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict) and {"items", "page", "per_page", "total"} <= body.keys(), (
        f"{context}: expected items, page, per_page and total: {response.describe()}"
    )
    assert isinstance(body["items"], list), f"{context}: items must be a list: {response.describe()}"
    count = body["total"]
    assert isinstance(count, int) and not isinstance(count, bool) and count >= 0, (
        f"{context}: total must be an integer: {response.describe()}"
    )
    return body


def total(client: Any, **params: Any) -> int:
    return int(list_page(client, per_page=1, **params)["total"])


def list_all(client: Any, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every todo matching ``params``, read 100 per page, and the total the app reported."""
    items: list[dict[str, Any]] = []
    first = list_page(client, per_page=100, **params)
    for page in range(1, MAX_PAGES + 1):
        body = first if page == 1 else list_page(client, page=page, per_page=100, **params)
        if not body["items"]:
            break
        items.extend(body["items"])
    else:
        pytest.fail(f"GET /api/todos {params}: more than {MAX_PAGES} pages of 100 todos")
    return items, int(first["total"])


def ids_of(items: list[dict[str, Any]]) -> list[Any]:
    return [item.get("id") if isinstance(item, dict) else item for item in items]


def assert_unchanged(client: Any, todo: dict[str, Any], context: str) -> None:
    now = fetch(client, todo["id"])
    assert now == todo, f"{context}: a 400 must change nothing: was {todo!r}, now {now!r}"


# --- creating ------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("create", "todo-keys", "id", "done", "created-at", "title-verbatim")
def test_create_todo(client):
    """POST /api/todos answers 201 with id, title, done (false by default) and an ISO 8601 created_at."""
    title = unique("Buy milk, café ☕")
    response = client.post("/api/todos", json={"title": title})
    assert response.status == 201, response.describe()
    todo = body_of(response)
    assert isinstance(todo, dict), response.describe()
    assert set(todo) == {"id", "title", "done", "created_at"}, (
        f"a todo has exactly id, title, done and created_at: {response.describe()}"
    )
    assert is_positive_int(todo["id"]), f"id must be a positive integer: {response.describe()}"
    assert todo["title"] == title, response.describe()
    assert todo["done"] is False, f"done defaults to false: {response.describe()}"
    created_at = todo["created_at"]
    assert isinstance(created_at, str), f"created_at must be a string: {response.describe()}"
    try:
        datetime.fromisoformat(created_at)
    except ValueError:
        pytest.fail(f"datetime.fromisoformat cannot parse created_at {created_at!r}")


@pytest.mark.points(1)
@pytest.mark.promises("create", "done")
def test_create_done_todo(client):
    """POST /api/todos with "done": true creates a todo that is done, also when read back."""
    todo = create(client, unique("Done already"), done=True)
    assert todo.get("done") is True, f"created with done true: {todo!r}"
    assert fetch(client, todo["id"]).get("done") is True, "GET must answer done true"


@pytest.mark.points(1)
@pytest.mark.promises("location")
def test_create_location(client):
    """A creation's Location header is the todo's URL, /api/todos/<id> (relative or absolute)."""
    title = unique("Located")
    response = client.post("/api/todos", json={"title": title})
    assert response.status == 201, response.describe()
    todo_id = body_of(response).get("id")
    location = response.headers.get("Location")
    assert location, f"no Location header: {response.describe()}"
    parts = urlsplit(location)
    assert parts.path == f"/api/todos/{todo_id}" and not parts.query and not parts.fragment, (
        f"Location must be /api/todos/{todo_id}, got {location!r}"
    )
    assert fetch(client, todo_id).get("title") == title


@pytest.mark.points(1)
@pytest.mark.promises("title-rule", "title-verbatim")
def test_title_length_limits(client):
    """Titles of 1 and of 200 characters (200 × "é", counted with len()), and markup, come back as sent."""
    for title in ["x", "é" * 200, "Z" * 199 + "ë", "<b>Tom & Jerry's</b> \"quoted\""]:
        todo = create(client, title)
        assert todo.get("title") == title, f"title of {len(title)} characters: {todo!r}"
        assert fetch(client, todo["id"]).get("title") == title


@pytest.mark.points(2)
@pytest.mark.promises("create-400", "title-rule", "bad-no-change", "error-body")
def test_create_rejects_bad_titles(client):
    """A missing, empty, blank, too long (201) or non-string title answers 400 and creates nothing."""
    payloads = [
        {},
        {"done": False},
        {"title": ""},
        {"title": "   "},
        {"title": "\t\n "},
        {"title": "a" * 201},
        {"title": "é" * 201},
        {"title": 123},
        {"title": None},
        {"title": ["Buy milk"]},
        {"title": True},
    ]
    before = total(client)
    for payload in payloads:
        context = f"POST {str(payload)[:60]}"
        assert_error(client.post("/api/todos", json=payload), 400, context)
    assert total(client) == before, "a 400 must create nothing"


@pytest.mark.points(1)
@pytest.mark.promises("create-400", "done-rule", "bad-no-change", "error-body")
def test_create_rejects_bad_done(client):
    """A done that is not a JSON boolean (1, 0, "true", "false", null) answers 400 and creates nothing."""
    before = total(client)
    for done in [1, 0, "true", "false", None]:
        payload = {"title": unique("Bad done"), "done": done}
        assert_error(client.post("/api/todos", json=payload), 400, f"POST {payload}")
    assert total(client) == before, "a 400 must create nothing"


@pytest.mark.points(1)
@pytest.mark.promises("create-400", "bad-no-change", "error-body")
def test_create_rejects_non_objects(client):
    """A body that is not a JSON object (array, string, number, null, malformed) answers 400."""
    before = total(client)
    for value in [["Buy milk"], "Buy milk", 42, None]:
        assert_error(client.post("/api/todos", json=value), 400, f"POST {value!r}")
    response = client.post("/api/todos", data='{"title": "Buy', headers=JSON_TYPE)
    assert_error(response, 400, "POST malformed JSON")
    assert total(client) == before, "a 400 must create nothing"


# --- reading -------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("read")
def test_get_todo(client):
    """GET /api/todos/<id> answers 200 with the todo as it was created."""
    for todo in [create(client, unique("Read me")), create(client, unique("Read me too"), done=True)]:
        assert fetch(client, todo["id"]) == todo


@pytest.mark.points(1)
@pytest.mark.promises("read-404", "error-body")
def test_get_unknown_todo(client):
    """GET /api/todos/<id> for an id no todo has answers 404 with a JSON error."""
    assert_error(client.get(f"/api/todos/{UNKNOWN_ID}"), 404, f"GET /api/todos/{UNKNOWN_ID}")


# --- listing -------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("page-values", "paging")
def test_list_defaults(client):
    """GET /api/todos without parameters answers page 1, per_page 20: the first 20 todos by id."""
    create(client, unique("Listed"))
    body = list_page(client)
    assert body["page"] == 1 and body["per_page"] == 20, (
        f"defaults are page 1 and per_page 20: page={body['page']!r} per_page={body['per_page']!r}"
    )
    assert type(body["page"]) is int and type(body["per_page"]) is int, "page and per_page are integers"
    everything, _ = list_all(client)
    assert ids_of(body["items"]) == ids_of(everything[:20]), "page 1 holds the first 20 todos by id"


@pytest.mark.points(1)
@pytest.mark.promises("paging", "total")
def test_list_sorted_with_total(client):
    """The list holds every todo once, ids ascending, and total counts them all."""
    before = total(client)
    mine = [create(client, unique("Sorted")) for _ in range(3)]
    everything, reported = list_all(client)
    ids = ids_of(everything)
    assert reported == before + 3, f"total was {before}, 3 were created, now total is {reported}"
    assert len(ids) == reported, f"total is {reported} but the pages hold {len(ids)} todos"
    assert ids == sorted(set(ids)), "ids must be ascending, each once"
    for todo in mine:
        assert todo in everything, f"{todo!r} is missing from the list"


@pytest.mark.points(2)
@pytest.mark.promises("paging", "page-values", "total", "past-end")
def test_list_pagination(client):
    """page and per_page slice the list by id; a page past the end answers 200 with no items."""
    mine = [create(client, unique("Paged")) for _ in range(7)]
    everything, count = list_all(client)
    ids = ids_of(everything)
    last_page = math.ceil(count / 3)
    mine_page = ids.index(mine[-1]["id"]) // 3 + 1
    for page in sorted({1, 2, mine_page, last_page}):
        body = list_page(client, page=page, per_page=3)
        assert (body["page"], body["per_page"], body["total"]) == (page, 3, count), (
            f"page={page}&per_page=3: page, per_page, total = "
            f"{body['page']!r}, {body['per_page']!r}, {body['total']!r}"
        )
        expected = ids[(page - 1) * 3 : page * 3]
        assert ids_of(body["items"]) == expected, f"page={page}&per_page=3 must hold ids {expected}"
    past = list_page(client, page=last_page + 1, per_page=3)
    assert past["items"] == [] and past["total"] == count, (
        f"page {last_page + 1} of {count} todos (3 per page) must be empty with total {count}"
    )
    single = list_page(client, page=count, per_page=1)
    assert ids_of(single["items"]) == ids[-1:], f"page={count}&per_page=1 is the last todo"


@pytest.mark.points(2)
@pytest.mark.promises("filter", "total")
def test_list_filter_done(client):
    """done=true and done=false keep only the todos with that done; their totals add up."""
    open_todo = create(client, unique("Still open"))
    done_todo = create(client, unique("Finished"), done=True)
    everything_total = total(client)
    for value, wanted, other in [("true", done_todo, open_todo), ("false", open_todo, done_todo)]:
        items, reported = list_all(client, done=value)
        assert len(items) == reported, f"done={value}: total {reported}, pages hold {len(items)}"
        assert all(isinstance(i, dict) and i.get("done") is (value == "true") for i in items), (
            f"done={value} must list only todos with done {value}"
        )
        assert wanted in items, f"done={value} must list {wanted!r}"
        assert other not in items, f"done={value} must not list {other!r}"
    assert total(client, done="true") + total(client, done="false") == everything_total, (
        "done=true and done=false together count every todo"
    )


@pytest.mark.points(1)
@pytest.mark.promises("paging-400", "error-body")
def test_list_rejects_bad_paging(client):
    """page or per_page that is not a whole number, or out of range (page 0, per_page 0 or 101), is a 400."""
    cases = [
        {"page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "1.5"},
        {"per_page": "0"},
        {"per_page": "101"},
        {"per_page": "-5"},
        {"per_page": "x"},
    ]
    for params in cases:
        assert_error(client.get("/api/todos", params=params), 400, f"GET /api/todos {params}")


@pytest.mark.points(1)
@pytest.mark.promises("paging-400", "error-body")
def test_list_rejects_other_digits(client):
    """page or per_page written with a digit other than 0-9 (the superscript "²") is a 400, not a crash."""
    for params in [{"page": "²"}, {"per_page": "²"}, {"page": "1", "per_page": "1²"}]:
        assert_error(client.get("/api/todos", params=params), 400, f"GET /api/todos {params}")


@pytest.mark.points(1)
@pytest.mark.promises("filter-400", "error-body")
def test_list_rejects_bad_done_filter(client):
    """A done filter other than true or false (yes, 1, TRUE) answers 400."""
    create(client, unique("Filter me"), done=True)
    for value in ["yes", "1", "TRUE"]:
        response = client.get("/api/todos", params={"done": value})
        assert_error(response, 400, f"GET /api/todos?done={value}")


# --- updating ------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.promises("patch", "created-at-fixed")
def test_patch_done(client):
    """PATCH {"done": true} answers 200 with the todo done; title, id and created_at are unchanged."""
    todo = create(client, unique("Finish me"))
    response = client.patch(f"/api/todos/{todo['id']}", json={"done": True})
    assert response.status == 200, response.describe()
    expected = {**todo, "done": True}
    assert body_of(response) == expected, f"expected {expected!r}: {response.describe()}"
    assert fetch(client, todo["id"]) == expected, "GET must answer the updated todo"


@pytest.mark.points(1)
@pytest.mark.promises("patch", "created-at-fixed")
def test_patch_title(client):
    """PATCH changes only the fields sent: the title alone, then the title and done together."""
    todo = create(client, unique("Rename me"), done=True)
    title = unique("Renamed, Zoë")
    response = client.patch(f"/api/todos/{todo['id']}", json={"title": title})
    assert response.status == 200, response.describe()
    assert body_of(response) == {**todo, "title": title}, response.describe()
    both = {"title": unique("Both"), "done": False}
    response = client.patch(f"/api/todos/{todo['id']}", json=both)
    assert response.status == 200, response.describe()
    assert body_of(response) == {**todo, **both}, response.describe()
    assert fetch(client, todo["id"]) == {**todo, **both}, "GET must answer the updated todo"


@pytest.mark.points(1)
@pytest.mark.promises("patch-400", "title-rule", "done-rule", "bad-no-change", "error-body")
def test_patch_rejects_invalid_fields(client):
    """PATCH with an invalid title or done answers 400 and changes nothing."""
    todo = create(client, unique("Keep me"))
    for payload in [
        {"title": ""},
        {"title": "   "},
        {"title": "a" * 201},
        {"title": 5},
        {"title": None},
        {"done": 1},
        {"done": "true"},
        {"done": None},
        {"title": unique("Valid title"), "done": "yes"},
    ]:
        context = f"PATCH {str(payload)[:60]}"
        assert_error(client.patch(f"/api/todos/{todo['id']}", json=payload), 400, context)
        assert_unchanged(client, todo, context)


@pytest.mark.points(2)
@pytest.mark.promises("patch-400", "bad-no-change", "error-body")
def test_patch_rejects_unknown_fields(client):
    """PATCH with any key other than title and done (id and created_at too) answers 400, changes nothing."""
    todo = create(client, unique("Strict"))
    for payload in [
        {"priority": 1},
        {"title": unique("Valid title"), "notes": "x"},
        {"done": True, "extra": None},
        {"id": todo["id"] + 1000},
        {"created_at": "2020-01-01T00:00:00"},
    ]:
        context = f"PATCH {payload}"
        assert_error(client.patch(f"/api/todos/{todo['id']}", json=payload), 400, context)
        assert_unchanged(client, todo, context)


@pytest.mark.points(1)
@pytest.mark.promises("patch-400", "bad-no-change", "error-body")
def test_patch_rejects_non_objects(client):
    """PATCH with a body that is not a JSON object (array, string, null, malformed) answers 400."""
    todo = create(client, unique("Objects only"))
    path = f"/api/todos/{todo['id']}"
    for value in [[{"done": True}], "done", None]:
        assert_error(client.patch(path, json=value), 400, f"PATCH {value!r}")
    assert_error(client.patch(path, data='{"done": tr', headers=JSON_TYPE), 400, "PATCH malformed JSON")
    assert_unchanged(client, todo, "PATCH with a body that is not an object")


@pytest.mark.points(1)
@pytest.mark.promises("patch-404", "error-body")
def test_patch_unknown_todo(client):
    """PATCH of an id no todo has answers 404 with a JSON error."""
    response = client.patch(f"/api/todos/{UNKNOWN_ID}", json={"done": True})
    assert_error(response, 404, f"PATCH /api/todos/{UNKNOWN_ID}")


# --- deleting ------------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("delete")
def test_delete_todo(client):
    """DELETE answers 204 with no body; then GET, PATCH and DELETE of that id answer 404."""
    todo = create(client, unique("Delete me"))
    path = f"/api/todos/{todo['id']}"
    response = client.delete(path)
    assert response.status == 204, response.describe()
    assert response.content == b"", f"a 204 has an empty body: {response.describe()}"
    assert_error(client.get(path), 404, f"GET {path} after DELETE")
    assert_error(client.patch(path, json={"done": True}), 404, f"PATCH {path} after DELETE")
    assert_error(client.delete(path), 404, f"DELETE {path} again")
    everything, _ = list_all(client)
    assert todo not in everything, "a deleted todo must leave the list"


@pytest.mark.points(1)
@pytest.mark.promises("delete-404", "error-body")
def test_delete_unknown_todo(client):
    """DELETE of an id no todo has answers 404 with a JSON error."""
    assert_error(client.delete(f"/api/todos/{UNKNOWN_ID}"), 404, f"DELETE /api/todos/{UNKNOWN_ID}")


# --- the database --------------------------------------------------------------


@pytest.mark.points(3)
@pytest.mark.promises("restart", "database", "id")
def test_data_survives_restart(client, restart_app):
    """After a restart, todos are still there with their changes, deletions hold, new ids are new."""
    kept = create(client, unique("Survivor"))
    gone = create(client, unique("Deleted before restart"))
    response = client.patch(f"/api/todos/{kept['id']}", json={"done": True})
    assert response.status == 200, response.describe()
    assert client.delete(f"/api/todos/{gone['id']}").status == 204
    restart_app()
    assert fetch(client, kept["id"]) == {**kept, "done": True}, "the todo changed before the restart"
    assert_error(client.get(f"/api/todos/{gone['id']}"), 404, "a todo deleted before the restart")
    everything, _ = list_all(client)
    assert {**kept, "done": True} in everything, "the list after the restart"
    newer = create(client, unique("Born after restart"))
    assert newer["id"] != kept["id"], f"a new todo got the id of an existing one: {newer['id']}"
    assert fetch(client, kept["id"]) == {**kept, "done": True}, "creating a todo changed another"


@pytest.mark.points(3)
@pytest.mark.promises("concurrent", "id")
def test_concurrent_creations(client):
    """20 creations sent at once (two worker processes): all 201, 20 new ids, all listed, others unchanged."""
    before, _ = list_all(client)
    title = unique("Concurrent")
    answers = client.concurrently(20, "POST", "/api/todos", json={"title": title})
    statuses = [answer.status for answer in answers]
    failed = next((answer.describe() for answer in answers if answer.status != 201), "")
    assert statuses == [201] * 20, f"statuses: {statuses}; e.g. {failed}"
    ids = [body_of(answer).get("id") for answer in answers]
    assert all(is_positive_int(i) for i in ids), f"ids must be positive integers: {ids}"
    assert len(set(ids)) == 20, f"the 20 ids must differ: {sorted(ids)}"
    reused = sorted(set(ids) & set(ids_of(before)))
    assert not reused, f"new todos got the ids of todos already there: {reused}"
    after, reported = list_all(client)
    assert reported == len(before) + 20, f"{len(before)} todos before, 20 created, total now {reported}"
    listed = sorted(i.get("id") for i in after if isinstance(i, dict) and i.get("title") == title)
    assert listed == sorted(ids), f"the list holds ids {listed} for the 20 todos created as {sorted(ids)}"
    changed = [todo for todo in before if todo not in after]
    assert not changed, f"creating todos changed or removed others, e.g. {changed[:2]}"


@pytest.mark.points(2)
@pytest.mark.promises("new-file", "database")
def test_new_database_file(client, app_env, app_with_env):
    """An instance whose DATABASE is a new file creates its table: its list is empty, then its own."""
    folder = os.path.dirname(app_env["DATABASE"])
    other = app_with_env({"DATABASE": os.path.join(folder, f"fresh-{uuid.uuid4().hex}.db")})
    body = list_page(other)
    assert body["items"] == [] and body["total"] == 0, f"a new database has no todos: {body!r}"
    title = unique("Only in the new file")
    todo = create(other, title)
    assert fetch(other, todo["id"]) == todo
    assert list_page(other)["total"] == 1, "the new database holds one todo"
    everything, _ = list_all(client)
    assert all(i.get("title") != title for i in everything if isinstance(i, dict)), (
        "a todo created in the other instance's file appeared in the first instance"
    )


@pytest.mark.points(1)
@pytest.mark.promises("json-type")
def test_responses_are_json(client):
    """Answers (201, 200, 400, 404) have Content-Type application/json."""
    todo = create(client, unique("Json"))
    path = f"/api/todos/{todo['id']}"
    requests = [
        ("POST", "/api/todos", {"json": {"title": unique("Json")}}),
        ("POST", "/api/todos", {"json": {"title": ""}}),
        ("POST", "/api/todos", {"data": "{", "headers": JSON_TYPE}),
        ("GET", "/api/todos", {}),
        ("GET", "/api/todos", {"params": {"per_page": "0"}}),
        ("GET", path, {}),
        ("PATCH", path, {"json": {"done": True}}),
        ("PATCH", path, {"json": {"nope": 1}}),
        ("GET", f"/api/todos/{UNKNOWN_ID}", {}),
        ("DELETE", f"/api/todos/{UNKNOWN_ID}", {}),
    ]
    for method, target, kwargs in requests:
        response = client.request(method, target, **kwargs)
        sent = f"{method} {target} {kwargs or ''}".strip()
        assert response.is_json, f"{sent}: Content-Type must be application/json, got {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("created-at-time")
def test_created_at_is_the_creation_time(client):
    """A todo created more than a second after another has a later created_at.

    Three todos, 1.1 s apart: the app is served by two worker processes, so
    at least two of them come from the same process, whichever answers.
    """
    todos = []
    for index in range(3):
        if index:
            time.sleep(1.1)
        todos.append(create(client, unique(f"Created {index}")))
    stamps = [todo.get("created_at") for todo in todos]
    context = f"created 1.1 s apart, the todos have created_at {', '.join(map(repr, stamps))}"
    try:
        times = [datetime.fromisoformat(stamp) for stamp in stamps]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        # not ISO 8601: test_create_todo counts that mistake; here only "not the same time" is checked
        assert len(set(stamps)) == len(stamps), context
        return
    assert times[0] < times[1] < times[2], context


# --- the HTTP rules --------------------------------------------------------------

ALWAYS_ALLOWED = {"HEAD", "OPTIONS"}


def assert_405(client: Any, method: str, path: str, listed: set[str]) -> None:
    response = client.request(method, path, json={"title": unique("Wrong method"), "done": True})
    assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
    raw = response.headers.get("Allow") or ""
    allow = {m.strip().upper() for m in raw.split(",") if m.strip()}
    assert allow - ALWAYS_ALLOWED == listed, (
        f"{method} {path}: the Allow header must list {sorted(listed)} (HEAD and OPTIONS may be added), "
        f"got {raw!r}"
    )


@pytest.mark.points(1)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """Methods a URL does not list answer 405 with an Allow header naming its methods; nothing changes."""
    todo = create(client, unique("Methods"))
    before = total(client)
    for method in ("PUT", "PATCH", "DELETE"):
        assert_405(client, method, "/api/todos", {"GET", "POST"})
    for method in ("POST", "PUT"):
        assert_405(client, method, f"/api/todos/{todo['id']}", {"GET", "PATCH", "DELETE"})
    assert_unchanged(client, todo, "after requests answered 405")
    assert total(client) == before, "requests answered 405 must not create or delete todos"


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404 (siblings, deeper paths, ids that are not numbers)."""
    todo = create(client, unique("Unknown URLs"))
    for method, path in [
        ("GET", "/api/todo"),
        ("GET", "/todos"),
        ("GET", f"/api/todos/{todo['id']}/done"),
        ("PATCH", f"/api/todos/{todo['id']}/title"),
        ("DELETE", f"/api/todos/{todo['id']}/{todo['id']}"),
        ("GET", "/api/todos/abc"),
        ("POST", "/api/todos/abc"),
        ("PUT", "/api/todos/abc"),
        ("DELETE", "/api/todos/-1"),
        ("POST", "/api/todoz"),
    ]:
        response = client.request(method, path, json={"done": True})
        assert response.status == 404, f"{method} {path}: expected 404, got {response.describe()}"
    assert_unchanged(client, todo, "after requests to unknown URLs")


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_gets_change_nothing(client):
    """GET and HEAD requests of every kind leave the todos and the list as they were."""
    todo = create(client, unique("Read only"))
    path = f"/api/todos/{todo['id']}"
    before = list_page(client, per_page=100)
    for params in [{}, {"done": "true"}, {"page": "2", "per_page": "1"}, {"per_page": "0"}, {"done": "x"}]:
        client.get("/api/todos", params=params)
        client.head("/api/todos", params=params)
    for target in [path, path, f"/api/todos/{UNKNOWN_ID}"]:
        client.get(target)
        client.head(target)
    assert_unchanged(client, todo, "after GET and HEAD requests")
    assert list_page(client, per_page=100) == before, "GET requests changed the list"
