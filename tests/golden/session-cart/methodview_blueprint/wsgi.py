import json
import os

from flask import Blueprint, Flask, make_response, request, session
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

shop = Blueprint("shop", __name__)


class BadRequest(Exception):
    pass


def read_item():
    if request.mimetype != "application/json":
        raise BadRequest("the body must be JSON")
    try:
        body = json.loads(request.get_data(as_text=True))
    except ValueError:
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be an object")
    sku = body.get("sku")
    if not isinstance(sku, str) or not sku or len(sku) > 32:
        raise BadRequest("sku: a string of 1 to 32 characters")
    qty = body["qty"] if "qty" in body else 1
    if type(qty) is not int or not 0 < qty < 100:
        raise BadRequest("qty: an integer from 1 to 99")
    return sku, qty


def current():
    return list(session.get("items", []))


def answer(items, status=200):
    return make_response({"items": items, "count": sum(i["qty"] for i in items)}, status)


class CartView(MethodView):
    def get(self):
        return answer(current())

    def delete(self):
        session.pop("items", None)
        return make_response("", 204)


class ItemsView(MethodView):
    def post(self):
        sku, qty = read_item()
        items = current()
        existing = next((i for i in items if i["sku"] == sku), None)
        if existing is None:
            items.append({"sku": sku, "qty": qty})
        elif existing["qty"] + qty > 99:
            raise BadRequest("at most 99 of a sku")
        else:
            existing["qty"] += qty
        session["items"] = items
        return answer(items, 201)


class ItemView(MethodView):
    def delete(self, sku):
        items = current()
        remaining = [i for i in items if i["sku"] != sku]
        if len(remaining) == len(items):
            return make_response({"error": f"{sku} is not in the cart"}, 404)
        session["items"] = remaining
        return answer(remaining)


shop.add_url_rule("/cart", view_func=CartView.as_view("cart"))
shop.add_url_rule("/cart/items", view_func=ItemsView.as_view("items"))
shop.add_url_rule("/cart/items/<sku>", view_func=ItemView.as_view("item"))


def create_app():
    app = Flask(__name__)
    app.secret_key = os.environ["SECRET_KEY"]
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.register_blueprint(shop)

    @app.errorhandler(BadRequest)
    def bad_request(exc):
        return {"error": str(exc)}, 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
        response = exc.get_response()  # keeps the Allow header of a 405
        response.set_data(json.dumps({"error": exc.name}))
        response.mimetype = "application/json"
        return response

    return app
