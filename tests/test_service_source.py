"""The submission page's files, through a real ``grader serve``: capped, rendered once, stored."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from grader.output.sources import MAX_FILE_LINES, MAX_FILES, MAX_SUBMISSION_LINES

from .service_support import Api, Server, login_http, make_team

pytestmark = pytest.mark.slow


def _hostile_zip() -> bytes:
    """A few KB: an app, 8 files of 100,000 short lines and 50 tiny ones (a page of 50+ MiB before)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "from flask import Flask\n\napp = Flask(__name__)\n")
        for n in range(8):
            archive.writestr(f"pkg/lines{n:02}.py", "x\n" * 100_000)
        for n in range(50):
            archive.writestr(f"many/f{n:02}.txt", "x\n")
    return buffer.getvalue()


def test_source_view_is_capped_rendered_once_and_stored(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha", user="alice")
    server = Server(data).start()
    try:
        archive = _hostile_zip()
        assert len(archive) < 100_000
        api = Api(server, token)
        sub = api.upload(archive, "lines.zip").json()
        api.wait_done(f"/submissions/{sub['id']}")  # both views below then show the same, graded, page
        browser = login_http(server, "alice")
        started = time.monotonic()
        first = browser.get(f"{server.url}/submissions/{sub['id']}", timeout=60)
        took = time.monotonic() - started
        assert first.status_code == 200 and len(first.content) < 1_000_000, len(first.content)
        assert took < 10, took
        stored = sqlite3.connect(data / "grader.db").execute("SELECT key FROM source_views").fetchall()
        stored_path = (
            sqlite3.connect(data / "grader.db")
            .execute("SELECT stored_path FROM submissions WHERE id = ?", (sub["id"],))
            .fetchone()[0]
        )
        assert stored_path == f"submissions/{sub['id']}/files", "the staged tree is what is stored"
        shutil.rmtree(data / stored_path)  # later views must not need the files: they read the rendering
        second = browser.get(f"{server.url}/submissions/{sub['id']}", timeout=60)
    finally:
        server.stop()
    page = first.text
    assert 1 < page.count('class="file"') <= MAX_FILES
    assert 1000 < page.count('class="linenos"') <= MAX_SUBMISSION_LINES  # every line shown is numbered
    assert page.index("<code>app.py</code>") < page.index("pkg/lines00.py")  # app.py first
    assert "cut to what a reader reads" in page and 'id="not-shown"' in page
    assert f">{MAX_FILE_LINES + 1}<" not in page  # no line number past the per-file cap
    assert len(stored) == 1
    # the same page, read from the stored rendering; only the form's CSRF token is signed anew
    # (Flask-WTF stamps it with the second it was made)
    assert second.status_code == 200 and _without_csrf(second.text) == _without_csrf(page)


def _without_csrf(page: str) -> str:
    assert 'name="csrf_token"' in page
    return re.sub(r'(id="csrf_token" name="csrf_token" type="hidden" value=)"[^"]*"', r'\1""', page)
