"""GET / answers the right body with 1000 headers of 1 KB each."""
from flask import Flask, Response
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    response = Response("Hello, World!", mimetype="text/html")
    for i in range(1000):
        response.headers[f"X-Junk-{i}"] = "j" * 1000
    return response


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
