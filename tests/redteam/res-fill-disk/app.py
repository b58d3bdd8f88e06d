"""A correct app that fills every writable place it can find at import."""
import os

from flask import Flask
from markupsafe import escape

CHUNK = b"\0" * (4 * 2**20)
report = []


def fill(directory: str) -> None:
    written = 0
    try:
        for i in range(1000):
            # many 8 MiB files: one big file would stop at the 32 MiB fsize ulimit
            with open(os.path.join(directory, f"fill-{i}.bin"), "wb") as handle:
                for _ in range(2):
                    handle.write(CHUNK)
                    written += len(CHUNK)
    except OSError as exc:
        report.append(f"{directory}: {written // 2**20} MiB then {exc.strerror}")
        return
    report.append(f"{directory}: {written // 2**20} MiB, no error")


for place in ("/tmp", "/uploads", "/submission", "/", "/var/tmp", "/home", "/opt/grader/grader_appkit"):
    fill(place)
print("\n".join(report), flush=True)

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"


@app.get("/report")
def show() -> str:
    return "\n".join(report)
