"""The carts live on the server, in memory, under a random id kept in a cookie scoped to /cart."""

import os
import secrets
import threading

from flask import Flask, g, request

COOKIE = "cart_id"


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    carts = {}  # cart id -> {sku: qty}, dicts keep insertion order
    lock = threading.Lock()

    def fail(message, status):
        return {"error": message}, status

    def render(cart):
        return {"items": [{"sku": s, "qty": q} for s, q in cart.items()], "count": sum(cart.values())}

    @app.before_request
    def find_cart():
        cart_id = request.cookies.get(COOKIE, "")
        g.cart_id = cart_id if cart_id in carts else None

    def the_cart(create=False):
        if g.cart_id is None:
            if not create:
                return {}
            with lock:
                g.cart_id = secrets.token_urlsafe(24)
                carts[g.cart_id] = {}
                g.new_cookie = True
        return carts[g.cart_id]

    @app.after_request
    def send_cookie(response):
        if g.get("new_cookie"):
            response.set_cookie(COOKIE, g.cart_id, path="/cart", httponly=True, samesite="Lax")
        return response

    @app.get("/cart")
    def show():
        return render(the_cart())

    @app.delete("/cart")
    def clear():
        if g.cart_id is not None:
            carts[g.cart_id] = {}
        return "", 204

    @app.post("/cart/items")
    def add():
        if not request.is_json:
            return fail("JSON expected", 400)
        try:
            body = request.get_json()
        except Exception:  # noqa: BLE001 - any parse failure is a 400
            return fail("invalid JSON", 400)
        if not isinstance(body, dict):
            return fail("a JSON object is expected", 400)
        sku = body.get("sku")
        if not isinstance(sku, str) or not (1 <= len(sku) <= 32):
            return fail("sku must have 1 to 32 characters", 400)
        qty = body.get("qty", 1)
        if isinstance(qty, bool) or not isinstance(qty, int) or not (1 <= qty <= 99):
            return fail("qty must be an integer between 1 and 99", 400)
        cart = the_cart()
        if cart.get(sku, 0) + qty > 99:
            return fail("no more than 99 per sku", 400)
        cart = the_cart(create=True)
        cart[sku] = cart.get(sku, 0) + qty
        return render(cart), 201

    @app.delete("/cart/items/<sku>")
    def remove(sku):
        cart = the_cart()
        if sku not in cart:
            return fail("no such item", 404)
        del cart[sku]
        return render(cart)

    return app
