import json
import re

from flask import Flask, make_response, request

app = Flask(__name__)
app.config["USERS"] = []

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def reply(payload, code=200):
    resp = make_response(json.dumps(payload), code)
    resp.headers["Content-Type"] = "application/json"
    return resp


def parse_body():
    if "json" not in (request.content_type or ""):
        return None, reply({"error": "expected JSON"}, 415)
    text = request.get_data(as_text=True)
    try:
        return json.loads(text), None
    except json.JSONDecodeError:
        return None, reply({"error": "could not decode JSON"}, 400)


@app.route("/api/data", methods=["POST"])
def api_data():
    value, problem = parse_body()
    if problem:
        return problem
    return reply({"received": value})


@app.route("/api/users", methods=["POST"])
def api_users():
    value, problem = parse_body()
    if problem:
        return problem
    if not isinstance(value, dict):
        return reply({"error": "expected an object"}, 400)
    name, email = value.get("name"), value.get("email")
    if not (isinstance(name, str) and name):
        return reply({"error": "bad name"}, 400)
    if not (isinstance(email, str) and EMAIL.match(email)):
        return reply({"error": "bad email"}, 400)
    people = app.config["USERS"]
    person = {"id": len(people) + 1, "name": name, "email": email}
    people.append(person)
    return reply(person, 201)


@app.route("/api/users/<int:ident>")
def api_user(ident):
    people = app.config["USERS"]
    if 1 <= ident <= len(people):
        return reply(people[ident - 1])
    return reply({"error": "unknown user"}, 404)
