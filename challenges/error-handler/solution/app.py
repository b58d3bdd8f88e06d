import json

from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ITEMS: dict[int, str] = {1: "apple", 2: "banana", 3: "cherry"}


@app.errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Response:
    # Unhandled exceptions reach this handler too, as InternalServerError.
    # get_response() keeps the error's headers, such as the Allow header of a 405.
    response = error.get_response()
    response.data = json.dumps({"error": error.name, "status": error.code})
    response.content_type = "application/json"
    return response


@app.get("/items/<int:item_id>")
def get_item(item_id: int):
    if item_id not in ITEMS:
        abort(404)
    return jsonify(id=item_id, name=ITEMS[item_id])


@app.get("/admin")
def admin():
    abort(403)


@app.get("/boom")
def boom():
    raise RuntimeError("secret detail: the database password is hunter2")


@app.get("/divide")
def divide():
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
        return jsonify(result=a / b)
    except (ValueError, ZeroDivisionError):
        abort(400)
