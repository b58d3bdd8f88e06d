"""WRONG app that writes result-looking files everywhere it can."""
import json
import os

from flask import Flask

tests = [{"nodeid": f"test_hidden.py::test_{i}", "name": f"test_{i}", "description": "", "points": 1.2,
          "outcome": "passed", "message": "", "duration": 0.01} for i in range(10)]
REPORT = json.dumps({"schema": "flask-grader/report-1", "tests": tests, "collect_errors": [],
                     "interrupted": None, "app_error": None, "duration": 0.1,
                     "status": "passed", "score": 12, "max_score": 12})
written = []
for folder in (os.getcwd(), "/tmp", "/uploads", "/submission", "/grader", "/grader/tests", "/"):
    for name in ("report.json", "results.json", "grader-report.json", ".report", "junit.xml"):
        path = os.path.join(folder, name)
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(REPORT)
            written.append(path)
        except OSError as exc:
            written.append(f"{path}: {exc.strerror}")

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "results written: " + "; ".join(written)
