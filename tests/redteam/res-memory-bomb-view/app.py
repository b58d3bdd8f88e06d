"""Correct except GET /, which allocates until it is killed."""
from flask import Flask
from markupsafe import escape

app = Flask(__name__)
hoard = []


@app.get("/")
def index() -> str:
    for _ in range(4 * 1024 // 16):
        hoard.append(b"x" * (16 * 2**20))
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
