from flask import Flask


def create_app() -> Flask:
    """Build and return a new app each time it is called."""
    app = Flask(__name__)
    app.config["JSON_SORT_KEYS"] = False

    # TODO: a blueprint named "api", registered at /api/v1:
    #   GET /ping         -> {"pong": true}
    #   GET /books        -> a list of at least two {"id": int, "title": str}
    #   GET /books/<int:id> -> that book, or 404

    # TODO: a blueprint named "admin", registered at /admin:
    #   GET /       -> an HTML page containing "Admin"
    #   GET /stats  -> {"books": <number of books>}

    # Do not add routes to the app itself: everything goes in a blueprint.
    return app
