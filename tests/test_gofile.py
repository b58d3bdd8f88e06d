"""A spare's wait for its go file: woken at once by inotify, costs nothing meanwhile, never misses it."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from grader.appkit import gofile


def _go_later(path: Path, seconds: float) -> None:
    threading.Timer(seconds, lambda: path.write_text("")).start()


def test_the_go_wakes_a_blocked_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wait blocks until the folder changes: it looks for the file a few times, not every few ms."""
    looks: list[str] = []
    exists = os.path.exists
    monkeypatch.setattr(os.path, "exists", lambda path: looks.append(path) or exists(path))
    go = tmp_path / "now"
    _go_later(go, 1.0)
    started = time.monotonic()
    assert gofile.wait_for(str(go), 30)
    assert time.monotonic() - started >= 0.9
    assert len(looks) <= 4, f"looked {len(looks)} times in a second: a poll, not a blocked wait"


def test_a_go_written_before_the_wait_is_seen(tmp_path: Path) -> None:
    go = tmp_path / "now"
    go.write_text("")
    assert gofile.wait_for(str(go), 0.5)


def test_no_go_within_the_idle_timeout_is_false(tmp_path: Path) -> None:
    started = time.monotonic()
    assert not gofile.wait_for(str(tmp_path / "now"), 0.3)
    assert time.monotonic() - started >= 0.3


def test_without_inotify_it_polls_and_still_sees_the_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gofile, "_watch", lambda folder: None)
    go = tmp_path / "now"
    _go_later(go, 0.3)
    assert gofile.wait_for(str(go), 5)
    assert not os.path.exists(tmp_path / "other")
