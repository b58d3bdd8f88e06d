"""A MethodView in a blueprint; request.if_none_match / if_modified_since / if_match
parsed by Werkzeug, the 304 and the tag built by hand."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import Blueprint, Flask, jsonify, make_response, request
from flask.views import MethodView
from werkzeug.http import http_date


def _now():
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class Article:
    title: str
    body: str
    changed: datetime = field(default_factory=_now)
    revision: int = 1

    @property
    def tag(self):
        canonical = json.dumps({"title": self.title, "body": self.body}, sort_keys=True)
        return hashlib.sha1(canonical.encode()).hexdigest()


ARTICLES = {
    1: Article("Caching with ETags", "An entity tag names one version of a resource."),
    2: Article("Last-Modified", "A date is a weaker validator than a tag."),
    3: Article("Lost updates", "If-Match makes a client prove it saw the latest version."),
}

bp = Blueprint("articles", __name__, url_prefix="/articles")


def error(message, status):
    return make_response(jsonify({"error": message}), status)


class ArticleView(MethodView):
    def get(self, article_id):
        article = ARTICLES.get(article_id)
        if article is None:
            return error("unknown article", 404)
        fresh = False
        if request.if_none_match:
            fresh = request.if_none_match.contains_weak(article.tag)
        elif request.if_modified_since is not None:
            fresh = article.changed <= request.if_modified_since
        if fresh:
            response = make_response("", 304)
        else:
            response = make_response(
                jsonify({"id": article_id, "title": article.title, "body": article.body})
            )
            response.headers["Last-Modified"] = http_date(article.changed)
        response.headers["ETag"] = f'"{article.tag}"'
        return response

    def put(self, article_id):
        article = ARTICLES.get(article_id)
        if article is None:
            return error("unknown article", 404)
        if "If-Match" not in request.headers:
            return error("precondition required", 428)
        if not request.if_match.contains(article.tag):
            return error("precondition failed", 412)
        data = request.get_json(force=True, silent=True)
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("title", "body")):
            return error("a JSON object with string title and body is required", 400)
        article.title, article.body = data["title"], data["body"]
        article.changed, article.revision = _now(), article.revision + 1
        response = jsonify({"id": article_id, "title": article.title, "body": article.body})
        response.set_etag(article.tag)
        return response


bp.add_url_rule("/<int:article_id>", view_func=ArticleView.as_view("article"))
app = Flask(__name__)
app.register_blueprint(bp)
