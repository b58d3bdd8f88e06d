"""flask-grader: grade Flask code challenges with hidden pytest suites.

This package's ``__init__`` stays import-free on purpose: the sandbox mounts
the package into the test container, which must not need the host's
dependencies (click, the Docker SDK) to run :mod:`grader.testkit`.
"""

__version__ = "0.1.0"
