import os

from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

MAXIMUM = 99


class RequestProblem(Exception):
    def __init__(self, detail, code=400):
        super().__init__(detail)
        self.detail = detail
        self.code = code


@app.errorhandler(RequestProblem)
def problem_response(problem):
    return jsonify({"error": problem.detail}), problem.code


def state():
    # the cookie may have been tampered with: fall back to an empty cart
    keys = session.get("order", [])
    amounts = session.get("counts", {})
    if not isinstance(keys, list) or not isinstance(amounts, dict):
        return [], {}
    kept = [k for k in keys if isinstance(k, str) and isinstance(amounts.get(k), int)]
    return kept, {k: amounts[k] for k in kept}


def summary(keys, amounts):
    total = 0
    listing = []
    for k in keys:
        listing.append({"sku": k, "qty": amounts[k]})
        total += amounts[k]
    return {"items": listing, "count": total}


def parse(body):
    if not isinstance(body, dict):
        raise RequestProblem("a JSON object is required")
    product = body.get("sku")
    if not isinstance(product, str) or not 1 <= len(product) <= 32:
        raise RequestProblem("sku must have 1-32 characters")
    amount = body.get("qty", 1)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise RequestProblem("qty must be an integer")
    if amount < 1 or amount > MAXIMUM:
        raise RequestProblem("qty out of range")
    return product, amount


@app.delete("/cart")
def empty():
    session["order"] = []
    session["counts"] = {}
    return "", 204


@app.post("/cart/items")
def put():
    if not request.is_json:
        raise RequestProblem("JSON only")
    product, amount = parse(request.get_json(silent=True))
    keys, amounts = state()
    updated = amounts.get(product, 0) + amount
    if updated > MAXIMUM:
        raise RequestProblem("would go over 99")
    if product not in amounts:
        keys.append(product)
    amounts[product] = updated
    session["order"] = keys
    session["counts"] = amounts
    return summary(keys, amounts), 201


@app.get("/cart")
def show():
    keys, amounts = state()
    return summary(keys, amounts)


@app.delete("/cart/items/<product>")
def take_out(product):
    keys, amounts = state()
    if product not in amounts:
        raise RequestProblem("that sku is not in the cart", 404)
    keys.remove(product)
    amounts.pop(product)
    session["order"] = keys
    session["counts"] = amounts
    return summary(keys, amounts)
