import os
import threading
import uuid

from flask import Flask, g, jsonify, request

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]

SESSION_COOKIE = "sid"
carts = {}
guard = threading.Lock()


@app.before_request
def load_cart():
    sid = request.cookies.get(SESSION_COOKIE)
    with guard:
        if sid is None or sid not in carts:
            sid = uuid.uuid4().hex
            carts[sid] = {}
    g.sid = sid
    g.cart = carts[sid]


@app.after_request
def set_cookie(response):
    response.set_cookie(SESSION_COOKIE, g.get("sid", ""), httponly=True, samesite="Lax")
    return response


def render(cart):
    return {"items": [{"sku": s, "qty": q} for s, q in cart.items()], "count": sum(cart.values())}


def bad(message, status=400):
    return jsonify(error=message), status


@app.route("/cart", methods=["GET", "DELETE"])
def cart_root():
    if request.method == "GET":
        return jsonify(render(g.cart))
    with guard:
        g.cart.clear()
    return "", 204


@app.route("/cart/items", methods=["POST"])
def cart_items():
    body = request.get_json(silent=True) if request.is_json else None
    if type(body) is not dict:
        return bad("send a JSON object")
    sku = body.get("sku")
    if type(sku) is not str or sku == "" or len(sku) > 32:
        return bad("sku must be a 1-32 character string")
    qty = body.get("qty", 1)
    if type(qty) is not int or qty <= 0 or qty >= 100:
        return bad("qty must be an integer 1-99")
    with guard:
        new_total = g.cart.get(sku, 0) + qty
        if new_total >= 100:
            return bad("qty would pass 99")
        g.cart[sku] = new_total
        snapshot = render(g.cart)
    return jsonify(snapshot), 201


@app.route("/cart/items/<sku>", methods=["DELETE"])
def cart_item(sku):
    with guard:
        removed = g.cart.pop(sku, None)
        snapshot = render(g.cart)
    if removed is None:
        return bad("sku not found", 404)
    return jsonify(snapshot)
