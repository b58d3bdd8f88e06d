import json
import os

from flask import Flask, Response, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


def send(payload, status=200):
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def err(msg, status=400):
    return send({"error": msg}, status)


def get_lines():
    raw = session.get("lines") or []
    try:
        return [(str(a), int(b)) for a, b in raw if isinstance(a, str) and isinstance(b, int)]
    except (TypeError, ValueError):
        return []


def body_of(lines):
    return {"items": [dict(sku=a, qty=b) for a, b in lines], "count": sum(b for _, b in lines)}


@app.get("/cart")
def index():
    return send(body_of(get_lines()))


@app.post("/cart/items")
def add_line():
    try:
        data = json.loads(request.get_data(as_text=True))
    except ValueError:
        return err("invalid JSON")
    if not request.is_json or type(data) != dict:
        return err("need a JSON object")
    sku = data.get("sku")
    if type(sku) != str or not sku or len(sku) > 32:
        return err("sku: 1 to 32 characters")
    qty = data["qty"] if "qty" in data else 1
    if type(qty) != int or not 1 <= qty <= 99:
        return err("qty: integer 1 to 99")
    lines = get_lines()
    skus = [a for a, _ in lines]
    if sku in skus:
        i = skus.index(sku)
        if lines[i][1] + qty > 99:
            return err("qty: at most 99")
        lines[i] = (sku, lines[i][1] + qty)
    else:
        lines.append((sku, qty))
    session["lines"] = lines
    return send(body_of(lines), 201)


@app.delete("/cart/items/<sku>")
def del_line(sku):
    lines = get_lines()
    left = [(a, b) for a, b in lines if a != sku]
    if len(left) == len(lines):
        return err("not in cart", 404)
    session["lines"] = left
    return send(body_of(left))


@app.delete("/cart")
def del_all():
    session.pop("lines", None)
    return "", 204
