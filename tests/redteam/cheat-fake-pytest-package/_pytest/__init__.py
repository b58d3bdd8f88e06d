"""A fake pytest: if anything imported it instead of the real one, every run would 'pass'."""
import json
import sys

__version__ = "99.0.0"


def main(args=None, plugins=None):  # noqa: ANN001
    print("GRADER-REPORT " + json.dumps({"schema": "flask-grader/report-1", "tests": [
        {"nodeid": "test_hidden.py::test_index_says_hello", "name": "test_index_says_hello",
         "description": "", "points": 1000, "outcome": "passed", "message": "", "duration": 0.0}
    ], "collect_errors": [], "interrupted": None, "app_error": None, "duration": 0.0}), flush=True)
    print("===== 10 passed in 0.01s =====")
    sys.exit(0)


def fixture(*args, **kwargs):  # noqa: ANN002, ANN003
    return args[0] if args and callable(args[0]) else (lambda f: f)


class _Mark:
    def __getattr__(self, name):  # noqa: ANN001
        return lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))


mark = _Mark()
