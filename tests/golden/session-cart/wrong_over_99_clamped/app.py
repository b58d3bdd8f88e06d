import os
from typing import Any

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]

MAX_QTY = 99
MAX_SKU = 32


def error(message: str, status: int) -> tuple[dict[str, str], int]:
    return {"error": message}, status


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load_cart() -> list[dict[str, Any]]:
    """The cart in the session; anything malformed in it counts as an empty cart."""
    raw = session.get("cart")
    if not isinstance(raw, list):
        return []
    cart = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("sku"), str) and is_int(item.get("qty")):
            cart.append({"sku": item["sku"], "qty": item["qty"]})
    return cart


def save_cart(cart: list[dict[str, Any]]) -> None:
    session["cart"] = cart  # assigning (not mutating in place) marks the session modified


def render(cart: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": cart, "count": sum(item["qty"] for item in cart)}



@app.get("/cart")
def get_cart() -> Any:
    return render(load_cart())


@app.delete("/cart")
def clear_cart() -> Any:
    session.pop("cart", None)
    return "", 204


@app.post("/cart/items")
def add_item() -> Any:
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return error("expected a JSON object", 400)
    sku, qty = body.get("sku"), body.get("qty", 1)
    if not isinstance(sku, str) or not 1 <= len(sku) <= MAX_SKU:
        return error(f"sku must be a string of 1 to {MAX_SKU} characters", 400)
    if not is_int(qty) or not 1 <= qty <= MAX_QTY:
        return error(f"qty must be an integer from 1 to {MAX_QTY}", 400)
    cart = load_cart()
    for item in cart:
        if item["sku"] == sku:
            item["qty"] = min(item["qty"] + qty, MAX_QTY)  # clamps instead of refusing
            break
    else:
        cart.append({"sku": sku, "qty": qty})
    save_cart(cart)
    return render(cart), 201


@app.delete("/cart/items/<sku>")
def remove_item(sku: str) -> Any:
    cart = load_cart()
    kept = [item for item in cart if item["sku"] != sku]
    if len(kept) == len(cart):
        return error(f"{sku!r} is not in the cart", 404)
    save_cart(kept)
    return render(kept)
