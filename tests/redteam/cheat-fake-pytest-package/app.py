"""WRONG app (every route answers 'nope') shipped with a fake pytest/_pytest package."""
from flask import Flask

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
@app.route("/<path:anything>", methods=["GET", "POST"])
def everything(anything: str = "") -> str:
    return "nope"
