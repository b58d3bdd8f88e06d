import hashlib
import threading
from datetime import datetime, timezone
from typing import Any

from flask import Flask, abort, jsonify, make_response, request
from werkzeug.exceptions import NotFound

app = Flask(__name__)

_started = datetime.now(timezone.utc).replace(microsecond=0)
ARTICLES: dict[int, dict[str, Any]] = {
    1: {"title": "Caching with ETags", "body": "An entity tag names one version of a resource."},
    2: {"title": "Last-Modified", "body": "A date is a weaker validator than a tag."},
    3: {"title": "Lost updates", "body": "If-Match makes a client prove it saw the latest version."},
}
for _article in ARTICLES.values():
    _article["modified"] = _started
_lock = threading.Lock()


def tag_of(article: dict[str, Any]) -> str:
    """A strong tag derived from the content only: equal content, equal tag."""
    digest = hashlib.sha256()
    for part in (article["title"], article["body"]):
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.hexdigest()[:32]


def article_response(article_id: int, article: dict[str, Any]) -> Any:
    response = make_response(
        jsonify(id=article_id, title=article["title"], body=article["body"])
    )
    response.set_etag(tag_of(article))
    response.last_modified = article["modified"]
    return response


def find(article_id: int) -> dict[str, Any]:
    article = ARTICLES.get(article_id)
    if article is None:
        abort(404)
    return article


@app.errorhandler(404)
def not_found(error: NotFound) -> Any:
    # Only 404s must be JSON; a 405 keeps Flask's own answer, Allow header included.
    return jsonify(error="no such article"), 404


@app.get("/articles/<int:article_id>")
def get_article(article_id: int) -> Any:
    # make_conditional answers 304 to If-None-Match (weak comparison) and
    # If-Modified-Since; it keeps the ETag on the 304 and drops the body.
    return article_response(article_id, find(article_id)).make_conditional(request)


@app.route("/articles/<int:article_id>", methods=["PUT"])
def put_article(article_id: int) -> Any:
    with _lock:
        article = find(article_id)
        if not request.if_match:
            return jsonify(error="If-Match with the article's current ETag is required"), 428
        if not request.if_match.contains(tag_of(article)):  # strong comparison; * matches
            return jsonify(error="the article changed: GET it again for its current ETag"), 412
        data = request.get_json(silent=True)
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("title"), str)
            or not isinstance(data.get("body"), str)
        ):
            return jsonify(error='expected a JSON object {"title": str, "body": str}'), 400
        article.update(
            title=data["title"],
            body=data["body"],
            modified=datetime.now(timezone.utc).replace(microsecond=0),
        )
        return article_response(article_id, article)
