"""WRONG app (says Goodbye, no escaping) shipped with files that would force pytest to pass."""
import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return f"Goodbye, World! (sitecustomize loaded here: {os.environ.get('RT_SITECUSTOMIZE', 'no')})"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Bye, {name}!"
