import json

from flask import Flask, abort, jsonify, request
from flask.views import MethodView
from werkzeug.exceptions import HTTPException, InternalServerError

app = Flask(__name__)

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


@app.errorhandler(HTTPException)
def http_error(error: HTTPException):
    # The pattern from Flask's docs: keep the response (and its headers), swap the body.
    response = error.get_response()
    response.data = json.dumps({"error": error.name, "status": error.code})
    response.content_type = "application/json"
    return response


@app.errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    return jsonify(error="Internal Server Error", status=500), 500


class ItemView(MethodView):
    def get(self, item_id: int):
        if item_id not in ITEMS:
            abort(404)
        return jsonify(id=item_id, name=ITEMS[item_id])


app.add_url_rule("/items/<int:item_id>", view_func=ItemView.as_view("item"))


@app.get("/admin")
def admin():
    abort(403)


@app.get("/boom")
def boom():
    raise RuntimeError("secret detail: the database password is hunter2")


@app.get("/divide")
def divide():
    values = [request.args.get(name, type=float) for name in ("a", "b")]
    if None in values or values[1] == 0:
        abort(400)
    return jsonify(result=values[0] / values[1])
