"""If pytest ever loaded this, every test would pass (or be skipped)."""
import pytest


@pytest.fixture(autouse=True)
def _skip_everything():
    pytest.skip("skipped by the candidate's conftest")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.points(100))
