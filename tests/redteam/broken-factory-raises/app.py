from flask import Flask


def create_app() -> Flask:
    raise RuntimeError("database unreachable: factory refuses to build the app")
    return Flask(__name__)
