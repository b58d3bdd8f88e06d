import os

from flask import jsonify, request, send_from_directory
from flask.views import MethodView
from werkzeug.utils import secure_filename

EXTENSIONS = ("txt", "pdf", "png", "jpg", "jpeg", "gif")


def error(message: str, status: int):
    response = jsonify({"error": message})
    response.status_code = status
    return response


class UploadView(MethodView):
    def post(self):
        file = request.files.get("file")
        if file is None:
            return error("field `file` is required", 400)
        if not file.filename:
            return error("empty filename", 400)
        _, dot, ext = file.filename.rpartition(".")
        if not dot or ext.lower() not in EXTENSIONS:
            return error("only " + ", ".join(EXTENSIONS) + " files", 415)
        name = secure_filename(file.filename)
        content = file.stream.read()
        with open(os.path.join(os.environ["UPLOAD_FOLDER"], name), "wb") as handle:
            handle.write(content)
        return jsonify({"size": len(content), "filename": name}), 201


class DownloadView(MethodView):
    def get(self, filename: str):
        return send_from_directory(os.environ["UPLOAD_FOLDER"], filename)
