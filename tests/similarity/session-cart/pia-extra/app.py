import os
import threading
import uuid

from flask import Flask, g, jsonify, request

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]

CART_COOKIE = "cart_id"
STORE = {}
LOCK = threading.Lock()


@app.before_request
def attach_cart():
    token = request.cookies.get(CART_COOKIE)
    with LOCK:
        if token is None or token not in STORE:
            token = uuid.uuid4().hex
            STORE[token] = {}
    g.token = token
    g.basket = STORE[token]


@app.after_request
def send_cookie(resp):
    resp.set_cookie(CART_COOKIE, g.get("token", ""), httponly=True, samesite="Lax")
    return resp


def describe(basket):
    entries = [{"sku": name, "qty": count} for name, count in basket.items()]
    return {"items": entries, "count": sum(basket.values())}


def is_integer(count):
    return isinstance(count, int) and not isinstance(count, bool)


@app.get("/cart")
def cart_page():
    return jsonify(describe(g.basket))


@app.post("/cart/items")
def add():
    try:
        payload = request.get_json(force=False)
    except Exception:
        payload = None
    if not isinstance(payload, dict):
        return jsonify(error="expected JSON"), 400
    code = payload.get("sku")
    quantity = payload.get("qty", 1)
    errors = []
    if not isinstance(code, str) or not (0 < len(code) <= 32):
        errors.append("sku invalid")
    if not is_integer(quantity) or not (0 < quantity < 100):
        errors.append("bad qty")
    if errors:
        return jsonify(error=", ".join(errors)), 400
    with LOCK:
        if g.basket.get(code, 0) + quantity > 99:
            return jsonify(error="too many"), 400
        g.basket[code] = g.basket.get(code, 0) + quantity
        return jsonify(describe(g.basket)), 201


@app.delete("/cart/items/<code>")
def remove(code):
    with LOCK:
        if code not in g.basket:
            return jsonify(error="missing"), 404
        del g.basket[code]
        return jsonify(describe(g.basket))


@app.delete("/cart")
def empty():
    with LOCK:
        g.basket.clear()
    return "", 204


def stats():
    """How many carts are open (not wired to a route yet)."""
    with LOCK:
        return {"carts": len(STORE), "items": sum(sum(c.values()) for c in STORE.values())}
