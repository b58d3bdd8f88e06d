"""No MAX_CONTENT_LENGTH and no send_from_directory: the checks are written by hand."""

import json
import os

from flask import Flask, Response, abort, request, send_file
from werkzeug.utils import secure_filename

LIMIT = 1024 * 1024
ALLOWED = frozenset("txt pdf png jpg jpeg gif".split())

app = Flask(__name__)


def json_response(payload: dict, status: int) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


@app.before_request
def limit_body():
    if request.content_length is not None and request.content_length > LIMIT:
        abort(413)


@app.post("/upload")
def upload():
    file = request.files.get("file")
    if file is None or file.filename in (None, ""):
        return json_response({"error": "no file"}, 400)
    name = secure_filename(file.filename)
    extension = os.path.splitext(name)[1][1:].lower()
    if extension not in ALLOWED:
        return json_response({"error": "type not allowed"}, 400)
    data = file.read()
    with open(os.path.join(os.environ["UPLOAD_FOLDER"], name), "wb") as out:
        out.write(data)
    return json_response({"filename": name, "size": len(data)}, 201)


@app.get("/uploads/<path:filename>")
def download(filename: str):
    root = os.path.realpath(os.environ["UPLOAD_FOLDER"])
    path = os.path.realpath(os.path.join(root, filename))
    if os.path.commonpath([root, path]) != root or not os.path.isfile(path):
        abort(404)
    return send_file(path)
