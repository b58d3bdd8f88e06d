"""The inspector: a short-lived process that imports the app and describes it.

Started by :func:`grader.appkit.inspection.inspect_submission` as
``python -I inspector.py DIR --channel FD``. Everything it needs, the
introspection included, is imported before the candidate's code; its
stdout and stderr are the candidate's log, and its one message goes to the
private channel ``FD``, after which it ends at once with ``os._exit`` so
that no ``atexit`` hook of the candidate's runs after it.

What runs after the candidate's import is held in :func:`main`'s locals,
bound before the import: the describe closure, a JSON encoder made of
C-level parts, ``os.write`` and ``os._exit``. Patching any module, class or
builtin by name from the app's code changes none of them.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # started by path: find the grader package beside this file's
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import argparse  # noqa: E402 - after the path set-up above
import json.encoder  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from grader.appkit.introspect import make_describer  # noqa: E402
from grader.appkit.loader import AppLoadError, load_app, raised  # noqa: E402
from grader.protocol import Facts  # noqa: E402


def _encoder() -> Callable[[Any], str]:
    """ASCII JSON from C-level parts only (no Python method of ``json`` is looked up when it runs)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C accelerator
        return json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
    escape = json.encoder.c_encode_basestring_ascii  # type: ignore[attr-defined]
    iterencode = make({}, None, escape, None, ":", ",", False, False, False)
    join = "".join

    def encode(value: Any) -> str:
        return join(iterencode(value, 0))

    return encode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.appkit.inspector")
    parser.add_argument("directory")
    parser.add_argument("--channel", type=int, required=True)
    args = parser.parse_args(argv)
    channel = args.channel
    directory = os.path.abspath(args.directory)
    describe, encode, write, end = make_describer(), _encoder(), os.write, os._exit
    os.chdir(directory)
    message: dict[str, Any]
    try:
        loaded = load_app(directory)
        try:
            message = {"type": Facts.type, "facts": describe(loaded)}
        except Exception as exc:  # noqa: BLE001 - describing runs the candidate's factories
            message = raised(loaded.source, "being inspected", exc, directory).to_dict()
    except AppLoadError as exc:
        message = exc.failure.to_dict()
    write(channel, (encode(message) + "\n").encode())
    end(0)
    return 0  # pragma: no cover - end() does not return


if __name__ == "__main__":
    sys.exit(main())
