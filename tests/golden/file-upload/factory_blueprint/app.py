import os
from pathlib import Path

from flask import Blueprint, Flask, current_app, request, send_from_directory
from werkzeug.utils import secure_filename

bp = Blueprint("files", __name__)
ALLOWED_SUFFIXES = {".txt", ".pdf", ".png", ".jpg", ".jpeg", ".gif"}


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


@bp.post("/upload")
def upload():
    file = request.files.get("file")
    if not file or not file.filename:
        return {"error": "missing file"}, 400
    name = secure_filename(file.filename)
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        return {"error": "unsupported file type"}, 400
    target = folder() / name
    file.save(target)
    return {"filename": name, "size": target.stat().st_size}, 201


@bp.get("/uploads/<path:filename>")
def download(filename: str):
    return send_from_directory(folder(), filename)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        UPLOAD_FOLDER=os.environ["UPLOAD_FOLDER"],
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.register_blueprint(bp)
    return app
