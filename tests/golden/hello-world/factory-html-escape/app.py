import html

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index() -> str:
        return "Hello, World!\n"

    @app.get("/hello/<string:name>")
    def hello(name: str) -> str:
        return f"Hello, {html.escape(name)}!"

    return app
