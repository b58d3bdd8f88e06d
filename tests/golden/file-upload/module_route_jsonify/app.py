import os

from flask import Flask, jsonify, request, send_from_directory
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

UPLOAD_FOLDER = os.environ["UPLOAD_FOLDER"]  # read once, at import time
ALLOWED = {"txt", "pdf", "png", "jpg", "jpeg", "gif"}

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024


@app.errorhandler(RequestEntityTooLarge)
def too_large(error):
    return jsonify(error="file too large"), 413


@app.route("/upload", methods=["POST"])
def upload():
    if "file" not in request.files:
        return jsonify(error="no file part"), 400
    file = request.files["file"]
    if file.filename == "":
        return jsonify(error="no selected file"), 400
    ext = file.filename.rsplit(".", 1)[-1].lower() if "." in file.filename else ""
    if ext not in ALLOWED:
        return jsonify(error=f"extension {ext!r} not allowed"), 415
    filename = secure_filename(file.filename)
    data = file.read()
    with open(os.path.join(UPLOAD_FOLDER, filename), "wb") as out:
        out.write(data)
    return jsonify(filename=filename, size=len(data)), 201


@app.route("/uploads/<filename>")
def uploaded_file(filename):
    return send_from_directory(UPLOAD_FOLDER, filename)
