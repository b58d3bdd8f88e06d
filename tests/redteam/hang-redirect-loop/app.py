"""GET / redirects to itself forever; a client that follows redirects would loop."""
from flask import Flask, redirect
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index():
    return redirect("/", code=302)


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
