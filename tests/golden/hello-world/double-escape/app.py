from flask import Flask, render_template_string
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    # str() drops the Markup marker, so Jinja escapes a second time.
    return render_template_string("Hello, {{ name }}!", name=str(escape(name)))
