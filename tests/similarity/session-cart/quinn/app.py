import os
from dataclasses import dataclass, field

from flask import Flask, request, session


@dataclass
class Cart:
    lines: dict = field(default_factory=dict)

    @classmethod
    def load(cls):
        stored = session.get("cart")
        cart = cls()
        if isinstance(stored, dict):
            for key, amount in stored.items():
                if isinstance(key, str) and isinstance(amount, int) and not isinstance(amount, bool):
                    cart.lines[key] = amount
        return cart

    def save(self):
        session["cart"] = dict(self.lines)

    def to_json(self):
        return {
            "items": [{"sku": sku, "qty": n} for sku, n in self.lines.items()],
            "count": sum(self.lines.values()),
        }


def problem(text, status=400):
    return {"error": text}, status


def valid_qty(value):
    return type(value) is int and 1 <= value <= 99


def create_app():
    app = Flask(__name__)
    app.secret_key = os.environ["SECRET_KEY"]
    app.json.sort_keys = False

    @app.get("/cart")
    def read():
        return Cart.load().to_json()

    @app.post("/cart/items")
    def create():
        payload = request.get_json(silent=True) if request.is_json else None
        if type(payload) is not dict:
            return problem("not a JSON object")
        sku = payload.get("sku")
        if not isinstance(sku, str) or not 0 < len(sku) <= 32:
            return problem("invalid sku")
        qty = payload.get("qty", 1)
        if not valid_qty(qty):
            return problem("invalid qty")
        cart = Cart.load()
        total = cart.lines.get(sku, 0) + qty
        if total > 99:
            return problem("qty above 99")
        cart.lines[sku] = total
        cart.save()
        return cart.to_json(), 201

    @app.delete("/cart/items/<sku>")
    def delete_one(sku):
        cart = Cart.load()
        if cart.lines.pop(sku, None) is None:
            return problem("sku not in cart", 404)
        cart.save()
        return cart.to_json()

    @app.delete("/cart")
    def delete_all():
        session.clear()
        return "", 204

    return app
