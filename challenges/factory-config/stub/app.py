from flask import Flask


def create_app() -> Flask:
    """Build and return a new app each time it is called."""
    app = Flask(__name__)

    # TODO: settings: defaults GREETING = "Hello" and MAX_ITEMS = 10,
    #       overridden by APP_GREETING and APP_MAX_ITEMS (values parsed as JSON
    #       when they are valid JSON, plain strings otherwise).

    @app.get("/config")
    def config() -> dict[str, object]:
        # TODO: answer the settings the app really uses
        return {"greeting": "Hello", "max_items": 10}

    # TODO: GET /greet/<name>  -> {"message": "<GREETING>, <name>!"}
    # TODO: GET /items?n=<n>   -> {"items": [1..n]} for 1 <= n <= MAX_ITEMS,
    #                             400 {"error": "..."} otherwise

    return app
