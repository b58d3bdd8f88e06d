"""Two Flask instances and neither named app/application: flask run cannot choose."""
from flask import Flask

first = Flask("first")
second = Flask("second")


@first.get("/")
def index() -> str:
    return "Hello, World!"


@second.get("/")
def index2() -> str:
    return "Hello, World!"
