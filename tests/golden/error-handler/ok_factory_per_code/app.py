from flask import Flask, abort, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


def create_app() -> Flask:
    app = Flask(__name__)

    def make_handler(code: int):
        def handler(error):
            # a 405 keeps its Allow header (MethodNotAllowed knows the methods)
            headers = {"Allow": ", ".join(error.valid_methods)} if code == 405 else {}
            return {"error": HTTP_STATUS_CODES[code], "status": code}, code, headers

        return handler

    for code in (400, 403, 404, 405, 500):
        app.register_error_handler(code, make_handler(code))

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
        a = request.args.get("a", type=float)
        b = request.args.get("b", type=float)
        if a is None or b is None or b == 0:
            abort(400)
        return jsonify(result=a / b)

    return app
