from flask import Flask, render_template_string

app = Flask(__name__)


@app.route("/", methods=["GET"])
def index() -> str:
    return render_template_string("Hello, World!")


@app.route("/hello/<name>", methods=["GET"])
def hello(name: str) -> str:
    # Jinja autoescaping does the HTML escaping.
    return render_template_string("Hello, {{ name }}!", name=name)
