"""Correct except GET /, which blocks forever."""
import threading

from flask import Flask
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> str:
    threading.Event().wait()  # never set
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
