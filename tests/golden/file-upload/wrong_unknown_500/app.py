import os

from flask import Flask, abort, request, send_file
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename

ALLOWED_EXTENSIONS = {"txt", "pdf", "png", "jpg", "jpeg", "gif"}

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # 1 MiB: Flask answers 413 above it


def upload_folder() -> str:
    return os.environ["UPLOAD_FOLDER"]


def has_allowed_extension(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


@app.post("/upload")
def upload():
    file = request.files.get("file")
    if file is None or not file.filename:
        return {"error": "send a file in the `file` field"}, 400
    filename = secure_filename(file.filename)
    if not has_allowed_extension(filename):
        return {"error": "file type not allowed"}, 400
    path = os.path.join(upload_folder(), filename)
    file.save(path)
    return {"filename": filename, "size": os.path.getsize(path)}, 201


@app.get("/uploads/<filename>")
def download(filename: str):
    path = safe_join(upload_folder(), filename)
    if path is None:
        abort(404)
    return send_file(path)  # a missing file raises: 500, not 404
