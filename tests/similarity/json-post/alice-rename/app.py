from flask import Flask, jsonify, request

app = Flask(__name__)

# In-memory store: user id -> user entry.
registry = {}
counter = 1


def reject(why):
    """A JSON 400 answer with a why."""
    resp = jsonify({"error": why})
    resp.status_code = 400
    return resp


@app.route("/api/data", methods=["POST"])
def echo():
    # get_json(silent=True) returns None on bad JSON, so parse by hand
    if request.mimetype != "application/json":
        return jsonify({"error": "Content-Type must be application/json"}), 415
    text = request.get_data(as_text=True)
    try:
        import json

        value = json.loads(text)
    except ValueError:
        return reject("body is not valid JSON")
    return jsonify({"received": value})


@app.route("/api/users", methods=["POST"])
def create():
    global counter
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return reject("expected a JSON object")
    name = body.get("name")
    email = body.get("email")
    if not name or not isinstance(name, str):
        return reject("name is required")
    if not isinstance(email, str) or email.count("@") != 1:
        return reject("a valid email is required")
    entry = {"id": counter, "name": name.strip(), "email": email.lower()}
    registry[counter] = entry
    counter += 1
    return jsonify(entry), 201


@app.route("/api/users/<int:uid>", methods=["GET"])
def lookup(uid):
    entry = registry.get(uid)
    if entry is None:
        return jsonify({"error": f"user {uid} not found"}), 404
    return jsonify(entry)
