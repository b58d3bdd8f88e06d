"""create_app() factory; Werkzeug does the work: add_etag() hashes the JSON body,
make_conditional() answers 304, request.if_match parses If-Match."""

import threading
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException


def create_app():
    app = Flask(__name__)
    started = datetime.now(timezone.utc)
    store = {
        1: ["Caching with ETags", "An entity tag names one version of a resource.", started],
        2: ["Last-Modified", "A date is a weaker validator than a tag.", started],
        3: ["Lost updates", "If-Match makes a client prove it saw the latest version.", started],
    }
    lock = threading.Lock()

    def render(article_id):
        if article_id not in store:
            abort(404)
        title, body, changed = store[article_id]
        response = jsonify(id=article_id, title=title, body=body)
        response.add_etag()  # sha1 of the body: same content, same tag
        response.last_modified = changed
        return response

    @app.errorhandler(HTTPException)
    def as_json(error):
        return jsonify(error=error.name), error.code

    @app.get("/articles/<int:article_id>")
    def read(article_id):
        return render(article_id).make_conditional(request)

    @app.put("/articles/<int:article_id>")
    def write(article_id):
        with lock:
            current, _ = render(article_id).get_etag()
            if not request.if_match:
                return jsonify(error="If-Match required"), 428
            if not request.if_match.contains(current):
                return jsonify(error="ETag mismatch"), 412
            payload = request.get_json()
            store[article_id] = [payload["title"], payload["body"], datetime.now(timezone.utc)]
            return render(article_id)

    return app
