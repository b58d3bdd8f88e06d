"""GET / streams 100 MB (starting with the right text)."""
from flask import Flask, Response
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    def body():
        yield "Hello, World!"
        chunk = " " * 2**20
        for _ in range(100):
            yield chunk

    return Response(body(), mimetype="text/html")


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
