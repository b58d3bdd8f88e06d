import json

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

errors = Blueprint("errors", __name__)


def json_error(code: int, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps({"status": code, "error": HTTP_STATUS_CODES[code]})
    return Response(body, status=code, mimetype="application/json", headers=headers)


@errors.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    allow = [(name, value) for name, value in error.get_headers() if name == "Allow"]
    return json_error(error.code or 500, allow)


@errors.app_errorhandler(Exception)
def server_error(error: Exception) -> Response:
    return json_error(500)
