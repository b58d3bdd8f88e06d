import itertools
import json

from flask import Flask, Response, request

app = Flask(__name__)
_ids = itertools.count(1)
_db: dict[int, dict] = {}


def as_json(value, status=200):
    return Response(json.dumps(value), status=status, mimetype="application/json")


def fail(status, message):
    return as_json({"error": message}, status)


@app.post("/api/data")
def data():
    if not request.is_json:
        return fail(415, "unsupported media type")
    try:
        value = json.loads(request.data or b"")
    except json.JSONDecodeError as exc:
        return fail(400, f"invalid JSON: {exc.msg}")
    return as_json({"received": value})


@app.post("/api/users")
def users_create():
    try:
        body = json.loads(request.data or b"")
    except json.JSONDecodeError:
        return fail(400, "invalid JSON")
    if type(body) is not dict:
        return fail(400, "body must be an object")
    missing = [k for k in ("name", "email") if not isinstance(body.get(k), str) or not body[k]]
    if missing:
        return fail(400, "missing or empty: " + ", ".join(missing))
    if "@" not in body["email"]:
        return fail(400, "email needs an @")
    uid = next(_ids)
    _db[uid] = {"id": uid, "name": body["name"], "email": body["email"]}
    return as_json(_db[uid], 201)


@app.get("/api/users/<int:uid>")
def users_read(uid):
    if uid in _db:
        return as_json(_db[uid])
    return fail(404, "no such user")
