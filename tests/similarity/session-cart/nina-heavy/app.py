import os

from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")

MAX_SKU_LENGTH = 32
MAX_QUANTITY = 99


def error_response(text, status=400):
    resp = jsonify(error=text)
    resp.status_code = status
    return resp


def stored_lines():
    # each line is [sku, qty]; anything else in the cookie is ignored
    stored = session.get("items")
    if not isinstance(stored, list):
        return []
    result = []
    for line in stored:
        if not isinstance(line, list) or len(line) != 2:
            continue
        product, amount = line
        if isinstance(product, str) and type(amount) is int:
            result.append([product, amount])
    return result


def cart_response(lines, status=200):
    resp = jsonify(items=[{"sku": p, "qty": a} for p, a in lines], count=sum(a for _, a in lines))
    resp.status_code = status
    return resp


@app.route("/cart/items/<product>", methods=["DELETE"])
def remove_line(product):
    lines = stored_lines()
    rest = [line for line in lines if line[0] != product]
    if len(rest) == len(lines):
        return error_response("unknown sku", 404)
    session["items"] = rest
    return cart_response(rest)


@app.route("/cart/items", methods=["POST"])
def add_line():
    body = request.get_json(silent=True)
    if not request.is_json or not isinstance(body, dict):
        return error_response("expected a JSON object")
    product = body.get("sku")
    if type(product) is not str or len(product) == 0 or len(product) > MAX_SKU_LENGTH:
        return error_response("invalid sku")
    amount = body.get("qty", 1)
    if type(amount) is not int or amount < 1 or amount > MAX_QUANTITY:
        return error_response("invalid qty")
    lines = stored_lines()
    for line in lines:
        if line[0] == product:
            if line[1] + amount > MAX_QUANTITY:
                return error_response("quantity limit")
            line[1] += amount
            break
    else:
        lines.append([product, amount])
    session["items"] = lines
    return cart_response(lines, 201)


@app.route("/cart", methods=["GET", "DELETE"])
def cart():
    if request.method == "DELETE":
        session.pop("items", None)
        return "", 204
    return cart_response(stored_lines())
