"""A sample hello-world submission with one bug: the name is not HTML-escaped."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello, World!"


@app.route("/hello/<name>")
def hello(name):
    return f"Hello, {name}!"
