from flask import Flask, jsonify, request

app = Flask(__name__)

# In-memory store: user id -> user record.
users = {}
next_id = 1


@app.route("/api/users/<int:user_id>", methods=["GET"])
def show_user(user_id):
    record = users.get(user_id)
    if record is None:
        return jsonify({"error": f"user {user_id} not found"}), 404
    return jsonify(record)


@app.route("/api/users", methods=["POST"])
def add_user():
    global next_id
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return bad_request("expected a JSON object")
    name = data.get("name")
    email = data.get("email")
    if not name or not isinstance(name, str):
        return bad_request("name is required")
    if not isinstance(email, str) or email.count("@") != 1:
        return bad_request("a valid email is required")
    record = {"id": next_id, "name": name.strip(), "email": email.lower()}
    users[next_id] = record
    next_id += 1
    return jsonify(record), 201


def bad_request(reason):
    """A JSON 400 answer with a reason."""
    response = jsonify({"error": reason})
    response.status_code = 400
    return response


@app.route("/api/data", methods=["POST"])
def echo_data():
    # get_json(silent=True) returns None on bad JSON, so parse by hand
    if request.mimetype != "application/json":
        return jsonify({"error": "Content-Type must be application/json"}), 415
    raw = request.get_data(as_text=True)
    try:
        import json

        payload = json.loads(raw)
    except ValueError:
        return bad_request("body is not valid JSON")
    return jsonify({"received": payload})