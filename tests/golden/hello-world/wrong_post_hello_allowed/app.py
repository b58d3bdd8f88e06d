from flask import Flask
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.route("/hello/<name>", methods=["GET", "POST"])
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
