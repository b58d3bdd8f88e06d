"""GET / answers ~2 MB of gzip that inflates to 2 GiB (Content-Encoding: gzip).

Built cheaply: one gzip member of 128 MiB of zeros (about 130 KB compressed),
repeated 16 times (concatenated members are a valid gzip stream).
"""
import zlib

from flask import Flask, Response
from markupsafe import escape

_compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
_block = b"\0" * (8 * 2**20)
_member = b"".join(_compressor.compress(_block) for _ in range(16)) + _compressor.flush()
BOMB = _member * 16
assert len(BOMB) < 3 * 2**20  # well under the 4 MiB body cap: the bomb, not the cap, is what is tested

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    return Response(BOMB, headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"})


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
