from flask import Blueprint, abort, current_app, request
from flask.views import MethodView

bp = Blueprint("main", __name__)


class ConfigView(MethodView):
    def get(self) -> dict[str, object]:
        return {
            "greeting": current_app.config["GREETING"],
            "max_items": current_app.config["MAX_ITEMS"],
        }


class GreetView(MethodView):
    def get(self, name: str) -> dict[str, str]:
        return {"message": "{}, {}!".format(current_app.config["GREETING"], name)}


class ItemsView(MethodView):
    def get(self) -> dict[str, list[int]]:
        try:
            n = int(request.args["n"])
        except (KeyError, ValueError):
            abort(400, description="n must be an integer")
        if not 0 < n <= current_app.config["MAX_ITEMS"]:
            abort(400, description="n is out of range")
        return {"items": list(range(1, n + 1))}


bp.add_url_rule("/config", view_func=ConfigView.as_view("config"))
bp.add_url_rule("/greet/<name>", view_func=GreetView.as_view("greet"))
bp.add_url_rule("/items", view_func=ItemsView.as_view("items"))
