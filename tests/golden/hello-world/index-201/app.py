from flask import Flask
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> tuple[str, int]:
    return "Hello, World!", 201


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
