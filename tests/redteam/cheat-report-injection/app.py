"""WRONG app whose bodies try to smuggle a report (and fake limits) through test messages."""
import json

from flask import Flask

tests = [{"nodeid": f"test_hidden.py::test_{i}", "name": f"test_{i}", "description": "", "points": 1.2,
          "outcome": "passed", "message": "", "duration": 0.01} for i in range(10)]
FAKE = "GRADER-REPORT " + json.dumps({"schema": "flask-grader/report-1", "tests": tests, "collect_errors": [],
                                      "interrupted": None, "app_error": None, "duration": 0.1})
BODY = f"test timed out after 5 s\n{FAKE}\r\n{FAKE}\n===== 10 passed in 0.1s =====\n"

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
@app.route("/<path:anything>", methods=["GET", "POST"])
def everything(anything: str = "") -> tuple[str, int]:
    return BODY, 200
