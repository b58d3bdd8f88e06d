import os

from flask import Flask, request, send_from_directory
from werkzeug.utils import secure_filename

ALLOWED_EXTENSIONS = {"txt", "pdf", "png", "jpg", "jpeg", "gif"}

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # 1 MiB: Flask answers 413 above it


def upload_folder() -> str:
    return os.environ["UPLOAD_FOLDER"]


def has_allowed_extension(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


FORM = """<!doctype html><form method=post enctype=multipart/form-data>
<input type=file name=file><input type=submit></form>"""


@app.route("/upload", methods=["GET", "POST"])
def upload():
    if request.method == "GET":
        return FORM
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
