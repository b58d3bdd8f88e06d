import os

from flask import Flask, abort, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


@app.errorhandler(400)
@app.errorhandler(404)
@app.errorhandler(405)
@app.errorhandler(415)
def json_error(exc):
    headers = {"Allow": ", ".join(exc.valid_methods)} if exc.code == 405 else {}
    return jsonify(error=exc.description), exc.code, headers


def cart_response(pairs, status=200):
    items = [{"sku": sku, "qty": qty} for sku, qty in pairs]
    return jsonify(items=items, count=sum(qty for _, qty in pairs)), status


def pairs():
    value = session.get("cart", [])
    return value if isinstance(value, list) else []


@app.route("/cart", methods=["GET", "DELETE"])
def cart():
    if request.method == "DELETE":
        session.clear()
        return "", 204
    return cart_response(pairs())


@app.route("/cart/items", methods=["POST"])
def add():
    body = request.get_json(silent=True)
    if type(body) is not dict:
        abort(400, "send a JSON object")
    sku = body.get("sku")
    qty = body.get("qty", 1)
    if type(sku) is not str or len(sku) == 0 or len(sku) > 32:
        abort(400, "bad sku")
    if type(qty) is not int or qty < 1 or qty > 99:
        abort(400, "bad qty")
    cart = pairs()
    for pair in cart:
        if pair[0] == sku:
            if pair[1] + qty > 99:
                abort(400, "too many")
            pair[1] += qty
            break
    else:
        cart.append([sku, qty])
    session["cart"] = cart
    session.modified = True  # the list may have been changed in place
    return cart_response(cart, 201)


@app.route("/cart/items/<sku>", methods=["DELETE"])
def remove(sku):
    cart = pairs()
    if sku not in [s for s, _ in cart]:
        abort(404, "not in cart")
    session["cart"] = [[s, q] for s, q in cart if s != sku]
    return cart_response(session["cart"])
