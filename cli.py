"""The ``grader`` command, runnable from a source checkout as ``python cli.py``.

The commands live in :mod:`grader.cli`; the installed console script is
:func:`grader.entry.main` (Ctrl-C handled while the commands load), so
nothing named ``cli`` is installed at the top of site-packages.
"""

from __future__ import annotations

from grader.entry import main

if __name__ == "__main__":
    main()
