"""Visible tests for todo-api: run them with `grader test`."""

import uuid

import pytest


@pytest.mark.promises("create", "todo-keys")
def test_create_todo(client):
    """POST /api/todos creates a todo (201) with a positive integer id and done false."""
    title = f"Buy milk {uuid.uuid4().hex[:8]}"
    response = client.post("/api/todos", json={"title": title})
    assert response.status == 201, response.describe()
    todo = response.json()
    assert isinstance(todo.get("id"), int) and todo["id"] > 0, response.describe()
    assert todo.get("title") == title and todo.get("done") is False, response.describe()
    assert response.headers.get("Location", "").endswith(f"/api/todos/{todo['id']}"), response.describe()


@pytest.mark.promises("paging", "total")
def test_list_todos(client):
    """GET /api/todos answers items, page, per_page and total."""
    response = client.get("/api/todos")
    assert response.status == 200, response.describe()
    body = response.json()
    assert body.get("page") == 1 and body.get("per_page") == 20, response.describe()
    assert isinstance(body.get("items"), list) and isinstance(body.get("total"), int), response.describe()


@pytest.mark.promises("create-400", "title-rule")
def test_blank_title_rejected(client):
    """A blank title answers 400 with a JSON error."""
    response = client.post("/api/todos", json={"title": "   "})
    assert response.status == 400, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()


@pytest.mark.promises("read-404")
def test_unknown_todo(client):
    """GET /api/todos/<id> for an unknown id answers 404 with a JSON error."""
    response = client.get("/api/todos/987654321")
    assert response.status == 404, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()
