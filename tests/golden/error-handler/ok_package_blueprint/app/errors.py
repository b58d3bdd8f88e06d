import json

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

errors = Blueprint("errors", __name__)


def json_error(code: int) -> Response:
    body = json.dumps({"status": code, "error": HTTP_STATUS_CODES[code]})
    return Response(body, status=code, mimetype="application/json")


@errors.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return json_error(error.code or 500)


@errors.app_errorhandler(Exception)
def server_error(error: Exception) -> Response:
    return json_error(500)
