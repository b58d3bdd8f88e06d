"""Keep pytest out of the red-team corpus.

The folders here are hostile submissions, graded only through ``grader
grade``. The project's own pytest run (``testpaths = ["tests"]``) must never
collect them: they hold a ``conftest.py`` and a ``pytest.ini`` written to
subvert pytest, fake ``pytest``/``_pytest`` packages (pytest would import
their ``__init__.py``), apps that fork-bomb or allocate GiBs at import, and
symbolic links to host files.
"""

collect_ignore_glob = ["*"]
