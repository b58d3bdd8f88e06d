import os

from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")


def oops(text, status=400):
    resp = jsonify(error=text)
    resp.status_code = status
    return resp


def load_lines():
    rows = session.get("items")
    if not isinstance(rows, list):
        return []
    valid = []
    for line in rows:
        if not isinstance(line, list) or len(line) != 2:
            continue
        product, amount = line
        if isinstance(product, str) and type(amount) is int:
            valid.append([product, amount])
    return valid


def render_cart(rows):
    shown = [{"sku": product, "qty": amount} for product, amount in rows]
    n = 0
    for _, amount in rows:
        n += amount
    return jsonify(items=shown, count=n)


@app.route("/cart", methods=["GET"])
def get_cart():
    return render_cart(load_lines())


@app.route("/cart", methods=["DELETE"])
def clear_cart():
    session["items"] = []
    return "", 204


@app.route("/cart/items", methods=["POST"])
def add_to_cart():
    body = request.get_json(silent=True)
    if not request.is_json or not isinstance(body, dict):
        return oops("body must be a JSON object")
    product = body.get("sku")
    if type(product) is not str or len(product) == 0 or len(product) > 32:
        return oops("sku must be 1-32 characters")
    amount = body.get("qty", 1)
    if type(amount) is not int or amount < 1 or amount > 99:
        return oops("qty must be 1-99")
    rows = load_lines()
    seen = False
    for line in rows:
        if line[0] == product:
            if line[1] + amount > 99:
                return oops("too many of this sku")
            line[1] = line[1] + amount
            seen = True
    if not seen:
        rows.append([product, amount])
    session["items"] = rows
    resp = render_cart(rows)
    resp.status_code = 201
    return resp


@app.route("/cart/items/<product>", methods=["DELETE"])
def remove_from_cart(product):
    rows = load_lines()
    rest = [line for line in rows if line[0] != product]
    if len(rest) == len(rows):
        return oops("no such sku in the cart", 404)
    session["items"] = rest
    return render_cart(rest)
