"""The whole cart in a cookie signed by hand with hmac: checked before it is decoded."""

import base64
import hashlib
import hmac
import json
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
KEY = os.environ["SECRET_KEY"].encode()
COOKIE = "cart"


def sign(data: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(KEY, data, hashlib.sha256).digest()).decode()


def read_cart():
    raw = request.cookies.get(COOKIE, "")
    payload, _, signature = raw.rpartition("~")
    try:
        data = base64.urlsafe_b64decode(payload.encode())
    except ValueError:
        return []
    if not payload or not hmac.compare_digest(sign(data), signature):
        return []
    return json.loads(data)


def reply(cart, status=200):
    response = jsonify({"items": [{"sku": s, "qty": q} for s, q in cart], "count": sum(q for _, q in cart)})
    response.status_code = status
    data = json.dumps(cart).encode()
    payload = base64.urlsafe_b64encode(data).decode()
    response.set_cookie(COOKIE, f"{payload}~{sign(data)}", httponly=True)
    return response


def bad(message, status=400):
    return jsonify(error=message), status


@app.get("/cart")
def get_cart():
    return reply(read_cart())


@app.delete("/cart")
def clear_cart():
    response = reply([])
    response.status_code = 204
    response.set_data(b"")
    return response


@app.post("/cart/items")
def add_item():
    body = request.get_json(silent=True, force=False) if request.is_json else None
    if not isinstance(body, dict):
        return bad("expected a JSON object")
    sku, qty = body.get("sku"), body.get("qty", 1)
    if not isinstance(sku, str) or not 1 <= len(sku) <= 32:
        return bad("invalid sku")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= 99:
        return bad("invalid qty")
    cart = read_cart()
    for entry in cart:
        if entry[0] == sku:
            if entry[1] + qty > 99:
                return bad("qty over 99")
            entry[1] += qty
            break
    else:
        cart.append([sku, qty])
    return reply(cart, 201)


@app.delete("/cart/items/<sku>")
def remove_item(sku):
    cart = read_cart()
    if all(entry[0] != sku for entry in cart):
        return bad("not in the cart", 404)
    return reply([entry for entry in cart if entry[0] != sku])
