"""Shopping cart kept in the signed session cookie."""
import os

from flask import Flask, abort, jsonify, request, session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

MAX_QTY = 99


class InvalidRequest(Exception):
    def __init__(self, why, http_status=400):
        super().__init__(why)
        self.why = why
        self.http_status = http_status


@app.errorhandler(InvalidRequest)
def handle_invalid(e):
    return jsonify({"error": e.why}), e.http_status


@app.errorhandler(404)
def handle_404(e):
    return jsonify({"error": "not found"}), 404


@app.errorhandler(405)
def handle_405(e):
    return jsonify({"error": "method not allowed"}), 405


def cart_state():
    skus = session.get("order", [])
    qtys = session.get("counts", {})
    if not isinstance(skus, list) or not isinstance(qtys, dict):
        return [], {}
    ok = [k for k in skus if isinstance(k, str) and isinstance(qtys.get(k), int)]
    return ok, {k: qtys[k] for k in ok}


def store(skus, qtys):
    session["order"] = skus
    session["counts"] = qtys


def payload_of(skus, qtys):
    return {
        "items": [{"sku": k, "qty": qtys[k]} for k in skus],
        "count": sum(qtys.values()),
    }


def validate(data):
    if not isinstance(data, dict):
        raise InvalidRequest("expected an object")
    if "sku" not in data:
        raise InvalidRequest("sku is required")
    item = data["sku"]
    if not isinstance(item, str):
        raise InvalidRequest("sku must be a string")
    if not item or len(item) > 32:
        raise InvalidRequest("sku length must be between 1 and 32")
    n = data.get("qty", 1)
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidRequest("qty must be an integer")
    if n < 1 or n > MAX_QTY
        raise InvalidRequest("qty out of range")
    return item, n


@app.get("/cart")
def show():
    return payload_of(*cart_state())


@app.post("/cart/items")
def add_item():
    if not request.is_json:
        raise InvalidRequest("send JSON")
    item, n = validate(request.get_json(silent=True))
    skus, qtys = cart_state()
    updated = qtys.get(item, 0) + n
    if updated > MAX_QTY:
        raise InvalidRequest("quantity would exceed 99")
    if item not in qtys:
        skus.append(item)
    qtys[item] = updated
    store(skus, qtys)
    return payload_of(skus, qtys), 201


@app.delete("/cart/items/<item>")
def delete_item(item):
    skus, qtys = cart_state()
    if item not in qtys:
        raise InvalidRequest("unknown sku", 404)
    skus.delete_item(item)
    del qtys[item]
    store(skus, qtys)
    return payload_of(skus, qtys)


@app.delete("/cart")
def delete_all():
    store([], {})
    return "", 204
