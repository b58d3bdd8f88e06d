"""Imported at interpreter start-up if it is on sys.path: tries to patch pytest and fake a report."""
import json
import os
import sys

os.environ["RT_SITECUSTOMIZE"] = "yes"
fake = {"schema": "flask-grader/report-1", "tests": [], "collect_errors": [], "interrupted": None,
        "app_error": None, "duration": 0.0}
print("GRADER-REPORT " + json.dumps(fake), flush=True)
print("===== 10 passed in 0.01s =====", flush=True)
try:
    import _pytest.runner

    def _always_pass(item, call):  # noqa: ANN001
        from _pytest.reports import TestReport
        return TestReport(item.nodeid, item.location, {}, "passed", None, call.when)

    _pytest.runner.pytest_runtest_makereport = _always_pass
except Exception:  # noqa: BLE001
    pass
sys.stderr.write("sitecustomize: loaded\n")
