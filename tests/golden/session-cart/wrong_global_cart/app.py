import os

from flask import Flask, jsonify, request

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]

CART = []  # one cart for everybody: the session is never used


def render(status=200):
    return jsonify(items=CART, count=sum(i["qty"] for i in CART)), status


@app.get("/cart")
def get_cart():
    return render()


@app.delete("/cart")
def clear():
    CART.clear()
    return "", 204


@app.post("/cart/items")
def add():
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return {"error": "expected a JSON object"}, 400
    sku, qty = body.get("sku"), body.get("qty", 1)
    if not isinstance(sku, str) or not 1 <= len(sku) <= 32:
        return {"error": "bad sku"}, 400
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 99:
        return {"error": "bad qty"}, 400
    for item in CART:
        if item["sku"] == sku:
            if item["qty"] + qty > 99:
                return {"error": "over 99"}, 400
            item["qty"] += qty
            break
    else:
        CART.append({"sku": sku, "qty": qty})
    return render(201)


@app.delete("/cart/items/<sku>")
def remove(sku):
    for item in CART:
        if item["sku"] == sku:
            CART.remove(item)
            return render()
    return {"error": "not in the cart"}, 404
