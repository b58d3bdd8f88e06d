import os
import threading
import uuid

from flask import Flask, g, jsonify, request

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]

COOKIE = "cart_id"
_carts = {}
_lock = threading.Lock()


@app.before_request
def find_cart():
    cart_id = request.cookies.get(COOKIE)
    with _lock:
        if cart_id is None or cart_id not in _carts:
            cart_id = uuid.uuid4().hex
            _carts[cart_id] = {}
    g.cart_id = cart_id
    g.cart = _carts[cart_id]


@app.after_request
def keep_cookie(response):
    response.set_cookie(COOKIE, g.get("cart_id", ""), httponly=True, samesite="Lax")
    return response


def snapshot(cart):
    rows = [{"sku": key, "qty": value} for key, value in cart.items()]
    return {"items": rows, "count": sum(cart.values())}


def whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


@app.get("/cart")
def view():
    return jsonify(snapshot(g.cart))


@app.post("/cart/items")
def insert():
    try:
        body = request.get_json(force=False)
    except Exception:
        body = None
    if not isinstance(body, dict):
        return jsonify(error="JSON object expected"), 400
    sku = body.get("sku")
    qty = body.get("qty", 1)
    problems = []
    if not isinstance(sku, str) or not (0 < len(sku) <= 32):
        problems.append("bad sku")
    if not whole_number(qty) or not (0 < qty < 100):
        problems.append("bad qty")
    if problems:
        return jsonify(error=", ".join(problems)), 400
    with _lock:
        if g.cart.get(sku, 0) + qty > 99:
            return jsonify(error="over 99"), 400
        g.cart[sku] = g.cart.get(sku, 0) + qty
        return jsonify(snapshot(g.cart)), 201


@app.delete("/cart/items/<sku>")
def erase(sku):
    with _lock:
        if sku not in g.cart:
            return jsonify(error="missing"), 404
        del g.cart[sku]
        return jsonify(snapshot(g.cart))


@app.delete("/cart")
def wipe():
    with _lock:
        g.cart.clear()
    return "", 204
