from flask import Flask, g

from .limits import Limits, identify


def create_app() -> Flask:
    app = Flask(__name__)
    limits = Limits.from_environment()

    @app.get("/api/quote")
    def quote() -> tuple[dict[str, str], int]:
        g.limit = limits.check(identify())
        if not g.limit.allowed:
            return {"error": "quota exhausted for this window"}, 429
        return {"quote": "Errors should never pass silently."}, 200

    @app.after_request
    def add_headers(response):  # type: ignore[no-untyped-def]
        state = g.get("limit")
        if state is not None:
            response.headers.update(state.headers(limits.limit))
        return response

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
