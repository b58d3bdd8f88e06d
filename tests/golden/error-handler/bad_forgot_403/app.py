from flask import Flask, abort, jsonify, request

app = Flask(__name__)

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


@app.errorhandler(400)
def bad_request(error):
    return jsonify(error="Bad Request", status=400), 400


@app.errorhandler(404)
def not_found(error):
    return jsonify(error="Not Found", status=404), 404


@app.errorhandler(405)
def not_allowed(error):
    return jsonify(error="Method Not Allowed", status=405), 405


@app.errorhandler(Exception)
def server_error(error):
    return jsonify(error="Internal Server Error", status=500), 500


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
