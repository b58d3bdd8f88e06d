from flask import Flask


def create_app() -> Flask:
    """Build and return a new app each time it is called."""
    app = Flask(__name__)

    # TODO: a blueprint named "api", registered at /api/v1:
    #   GET /ping         -> {"pong": true}
    #   GET /books        -> a list of at least two {"id": int, "title": str}
    #   GET /books/<int:id> -> that book, or 404

    # TODO: a blueprint named "admin", registered at /admin:
    #   GET /       -> an HTML page containing "Admin"
    #   GET /stats  -> {"books": <number of books>}

    # Do not add routes to the app itself: everything goes in a blueprint.
    app.url_map.strict_slashes = False
    return app
