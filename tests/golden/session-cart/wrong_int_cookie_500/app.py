"""Carts on the server under a random integer id; the cookie is parsed with int() unguarded."""

import os
import random

from flask import Flask, jsonify, make_response, request

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
CARTS = {}


def cart_of_request():
    cart_id = request.cookies.get("cart")
    if cart_id is None:
        return None, []
    cart_id = int(cart_id)  # a made-up cookie such as "forged-1a2b" raises ValueError: a 500
    return cart_id, CARTS.get(cart_id, [])


def answer(cart_id, cart, status=200):
    response = make_response(jsonify(items=cart, count=sum(i["qty"] for i in cart)), status)
    if cart_id is not None:
        response.set_cookie("cart", str(cart_id), httponly=True)
    return response


@app.get("/cart")
def show():
    _, cart = cart_of_request()
    return answer(None, cart)


@app.delete("/cart")
def clear():
    cart_id, _ = cart_of_request()
    CARTS.pop(cart_id, None)
    return "", 204


@app.post("/cart/items")
def add():
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return jsonify(error="expected an object"), 400
    sku, qty = body.get("sku"), body.get("qty", 1)
    if not isinstance(sku, str) or not 1 <= len(sku) <= 32:
        return jsonify(error="bad sku"), 400
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 99:
        return jsonify(error="bad qty"), 400
    cart_id, cart = cart_of_request()
    cart = [dict(i) for i in cart]
    for item in cart:
        if item["sku"] == sku:
            if item["qty"] + qty > 99:
                return jsonify(error="over 99"), 400
            item["qty"] += qty
            break
    else:
        cart.append({"sku": sku, "qty": qty})
    if cart_id is None or cart_id not in CARTS:
        cart_id = random.getrandbits(62)
    CARTS[cart_id] = cart
    return answer(cart_id, cart, 201)


@app.delete("/cart/items/<sku>")
def remove(sku):
    cart_id, cart = cart_of_request()
    if all(i["sku"] != sku for i in cart):
        return jsonify(error="not in the cart"), 404
    CARTS[cart_id] = [i for i in cart if i["sku"] != sku]
    return answer(cart_id, CARTS[cart_id])
