"""GET / drips its body one byte per second (the full text, eventually)."""
import time

from flask import Flask, Response
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    def drip():
        for char in "Hello, World!":
            yield char
            time.sleep(1)

    return Response(drip(), mimetype="text/html")


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
