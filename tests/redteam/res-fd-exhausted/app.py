"""Opens files at import until the nofile limit refuses, keeps them, then defines a correct app."""
import os

from flask import Flask
from markupsafe import escape

hoard = []
while True:
    try:
        hoard.append(os.open("/dev/null", os.O_RDONLY))
    except OSError:
        break
print(f"holding {len(hoard)} descriptors", flush=True)

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
