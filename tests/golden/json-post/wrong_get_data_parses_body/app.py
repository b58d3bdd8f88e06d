"""One view for GET and POST /api/data that parses the body before checking the method."""

from flask import Flask, jsonify, request

app = Flask(__name__)
users = {}


def error(message, status):
    return jsonify(error=message), status


@app.route("/api/data", methods=["GET", "POST"])
def data():
    if not request.is_json:
        return error("expected application/json", 415)  # a bodiless GET ends here
    value = request.get_json(silent=True)
    if value is None and request.get_data().strip() != b"null":
        return error("malformed JSON", 400)
    if request.method != "POST":
        return error("method not allowed", 405)
    return jsonify(received=value)


@app.route("/api/users", methods=["POST"])
def create_user():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error("expected a JSON object", 400)
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not name:
        return error("invalid name", 400)
    if not isinstance(email, str) or "@" not in email:
        return error("invalid email", 400)
    user = {"id": len(users) + 1, "name": name, "email": email}
    users[user["id"]] = user
    return jsonify(user), 201


@app.route("/api/users/<int:user_id>")
def get_user(user_id):
    if user_id not in users:
        return error("user not found", 404)
    return jsonify(users[user_id])
