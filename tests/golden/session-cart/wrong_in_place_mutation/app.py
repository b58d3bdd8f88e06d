import os

from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


def answer(items, status=200):
    return jsonify(items=items, count=sum(i["qty"] for i in items)), status


@app.get("/cart")
def get_cart():
    return answer(session.get("cart", []))


@app.delete("/cart")
def clear_cart():
    session.pop("cart", None)
    return "", 204


@app.post("/cart/items")
def add_item():
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    sku, qty = body.get("sku"), body.get("qty", 1)
    if not isinstance(sku, str) or not 1 <= len(sku) <= 32:
        return jsonify(error="invalid sku"), 400
    if type(qty) is not int or not 1 <= qty <= 99:
        return jsonify(error="invalid qty"), 400
    # setdefault marks the session modified only when it inserts the key: changes made in place
    # to an existing cart are answered but never saved (session.modified is not set)
    items = session.setdefault("cart", [])
    for item in items:
        if item["sku"] == sku:
            if item["qty"] + qty > 99:
                return jsonify(error="over 99"), 400
            item["qty"] += qty
            break
    else:
        items.append({"sku": sku, "qty": qty})
    return answer(items, 201)


@app.delete("/cart/items/<sku>")
def remove_item(sku):
    items = session.get("cart", [])
    if all(i["sku"] != sku for i in items):
        return jsonify(error="not in the cart"), 404
    session["cart"] = [i for i in items if i["sku"] != sku]
    return answer(session["cart"])
