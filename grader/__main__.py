"""``python -m grader``: the ``grader`` command, as the console script runs it."""

from __future__ import annotations

from grader.entry import main

main()
