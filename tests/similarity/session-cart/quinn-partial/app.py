import os
from dataclasses import dataclass, field

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
app.json.sort_keys = False


@dataclass
class Basket:
    contents: dict = field(default_factory=dict)

    @classmethod
    def load(cls):
        saved = session.get("cart")
        basket = cls()
        if isinstance(saved, dict):
            for name, count in saved.items():
                if isinstance(name, str) and isinstance(count, int) and not isinstance(count, bool):
                    basket.contents[name] = count
        return basket

    def save(self):
        session["cart"] = dict(self.contents)

    def to_json(self):
        return {
            "items": [{"sku": name, "qty": c} for name, c in self.contents.items()],
            "count": sum(self.contents.values()),
        }


@app.get("/cart")
def cart_view():
    return Basket.load().to_json()


@app.post("/cart/items")
def cart_add():
    if not request.is_json:
        return {"error": "JSON body required"}, 400
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": "JSON object required"}, 400
    name = data.get("sku")
    count = data.get("qty", 1)
    errors = []
    if not isinstance(name, str) or len(name) < 1 or len(name) > 32:
        errors.append("sku")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1 or count > 99:
        errors.append("qty")
    if errors:
        return {"error": "invalid " + " and ".join(errors)}, 400
    basket = Basket.load()
    if basket.contents.get(name, 0) + count > 99:
        return {"error": "no more than 99"}, 400
    basket.contents[name] = basket.contents.get(name, 0) + count
    basket.save()
    return basket.to_json(), 201


@app.delete("/cart/items/<name>")
def cart_remove(name):
    basket = Basket.load()
    if name not in basket.contents:
        return {"error": "not in cart"}, 404
    del basket.contents[name]
    basket.save()
    return basket.to_json()


@app.delete("/cart")
def cart_clear():
    session.pop("cart", None)
    return "", 204
