"""Local mode: the suite's compiled, assert-rewritten modules are kept in the grader's cache.

pytest rewrites a test module's asserts every time it imports it (about a
fifth of a small challenge's local grading, measured) and keeps the result
as bytecode, unless writing bytecode is off, as it is in the runner so that
nothing is written beside a submission. With this plugin, only while the
suite is collected (in local mode the submission is imported before that and
runs after it), bytecode is written and read under the grader's own cache
folder (``sys.pycache_prefix``, a folder the host gives: see
``sandbox.base.SUITE_CACHE_ENV``), never beside the suite or the submission.
pytest checks a cached module against its source's size and modification
time, and the cached file's name carries the pytest version. The docker
runner does without: it collects the suite once per container anyway.
"""

from __future__ import annotations

import sys

import pytest


class SuiteBytecode:
    """pytest plugin: bytecode on, under ``folder``, from the session's start to the end of collection."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.saved = (sys.pycache_prefix, sys.dont_write_bytecode)

    def pytest_sessionstart(self) -> None:
        sys.pycache_prefix, sys.dont_write_bytecode = self.folder, False

    @pytest.hookimpl(tryfirst=True)  # before any other plugin's end of collection runs anything
    def pytest_collection_finish(self) -> None:
        sys.pycache_prefix, sys.dont_write_bytecode = self.saved
