"""Shopping cart kept in the signed session cookie."""
import os

from flask import Flask, abort, jsonify, request, session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

LIMIT = 99


class BadInput(Exception):
    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@app.errorhandler(BadInput)
def on_bad_input(exc):
    return jsonify({"error": exc.reason}), exc.status


@app.errorhandler(404)
def on_missing(exc):
    return jsonify({"error": "not found"}), 404


@app.errorhandler(405)
def on_method(exc):
    return jsonify({"error": "method not allowed"}), 405


def read_cart():
    order = session.get("order", [])
    counts = session.get("counts", {})
    if not isinstance(order, list) or not isinstance(counts, dict):
        return [], {}
    good = [s for s in order if isinstance(s, str) and isinstance(counts.get(s), int)]
    return good, {s: counts[s] for s in good}


def write_cart(order, counts):
    session["order"] = order
    session["counts"] = counts


def as_json(order, counts):
    return {
        "items": [{"sku": s, "qty": counts[s]} for s in order],
        "count": sum(counts.values()),
    }


def check_payload(payload):
    if not isinstance(payload, dict):
        raise BadInput("expected an object")
    if "sku" not in payload:
        raise BadInput("sku is required")
    sku = payload["sku"]
    if not isinstance(sku, str):
        raise BadInput("sku must be a string")
    if not sku or len(sku) > 32:
        raise BadInput("sku length must be between 1 and 32")
    qty = payload.get("qty", 1)
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise BadInput("qty must be an integer")
    if qty < 1 or qty > LIMIT:
        raise BadInput("qty out of range")
    return sku, qty


@app.get("/cart")
def cart():
    return as_json(*read_cart())


@app.post("/cart/items")
def add():
    if not request.is_json:
        raise BadInput("send JSON")
    sku, qty = check_payload(request.get_json(silent=True))
    order, counts = read_cart()
    new_qty = counts.get(sku, 0) + qty
    if new_qty > LIMIT:
        raise BadInput("quantity would exceed 99")
    if sku not in counts:
        order.append(sku)
    counts[sku] = new_qty
    write_cart(order, counts)
    return as_json(order, counts), 201


@app.delete("/cart/items/<sku>")
def remove(sku):
    order, counts = read_cart()
    if sku not in counts:
        raise BadInput("unknown sku", 404)
    order.remove(sku)
    del counts[sku]
    write_cart(order, counts)
    return as_json(order, counts)


@app.delete("/cart")
def clear():
    write_cart([], {})
    return "", 204
