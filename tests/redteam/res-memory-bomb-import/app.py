"""Allocates (and touches) gigabytes at import."""
from flask import Flask

hoard = []
for _ in range(4 * 1024 // 16):  # 4 GiB in 16 MiB chunks, each written so the pages are real
    hoard.append(b"x" * (16 * 2**20))

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"
