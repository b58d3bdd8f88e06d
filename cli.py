"""The ``grader`` command, runnable from a source checkout as ``python cli.py``.

The commands live in :mod:`grader.cli`; the installed console script points
there, so nothing named ``cli`` is installed at the top of site-packages.
"""

from __future__ import annotations

from grader.cli import main

if __name__ == "__main__":
    main()
