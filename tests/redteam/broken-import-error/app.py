from flask import Flask
from flask_sqlalchemy_that_is_not_installed import SQLAlchemy  # noqa: F401

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"
