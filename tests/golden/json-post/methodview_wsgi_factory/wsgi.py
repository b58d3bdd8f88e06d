"""wsgi.py with only a create_app() factory; views are MethodViews; JSON parsed with json.loads."""

import json
import threading

from flask import Flask, jsonify, request
from flask.views import MethodView

_INVALID = object()


def parse_body():
    if request.mimetype != "application/json":
        return _INVALID
    try:
        return json.loads(request.get_data())
    except ValueError:
        return _INVALID


class DataAPI(MethodView):
    def post(self):
        value = parse_body()
        if value is _INVALID:
            return jsonify({"error": "send valid JSON with Content-Type: application/json"}), 415
        return jsonify({"received": value})


class UserStore:
    def __init__(self):
        self.users = {}
        self.lock = threading.Lock()

    def add(self, name, email):
        with self.lock:
            user = {"id": len(self.users) + 1, "name": name, "email": email}
            self.users[user["id"]] = user
            return user


class UsersAPI(MethodView):
    def __init__(self, store):
        self.store = store

    def post(self):
        body = parse_body()
        if not isinstance(body, dict):
            return jsonify({"error": "a JSON object is required"}), 400
        name = body.get("name")
        email = body.get("email")
        if type(name) is not str or len(name) == 0:
            return jsonify({"error": "name is required"}), 400
        if type(email) is not str or email.find("@") < 0:
            return jsonify({"error": "a valid email is required"}), 400
        return jsonify(self.store.add(name, email)), 201


class UserAPI(MethodView):
    def __init__(self, store):
        self.store = store

    def get(self, user_id):
        user = self.store.users.get(user_id)
        if user is None:
            return jsonify({"error": "not found"}), 404
        return jsonify(user)


def create_app():
    app = Flask(__name__)
    store = UserStore()
    app.add_url_rule("/api/data", view_func=DataAPI.as_view("data"))
    app.add_url_rule("/api/users", view_func=UsersAPI.as_view("users", store))
    app.add_url_rule("/api/users/<int:user_id>", view_func=UserAPI.as_view("user", store))
    return app
