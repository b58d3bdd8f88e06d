from flask import Flask
from markupsafe import escape

application = Flask(__name__)


@application.get("/")
def index() -> tuple[str, int]:
    return "  Hello, World!  ", 200


@application.get("/hello/<name>")
def hello(name: str) -> str:
    return "Hello, %s!" % escape(name)
