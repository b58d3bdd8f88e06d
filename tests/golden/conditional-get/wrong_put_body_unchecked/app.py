"""Everything by hand: md5 tags, header parsing, email.utils dates."""

import hashlib
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from flask import Flask, Response, jsonify, request

app = Flask(__name__)

NOW = datetime.now(timezone.utc).replace(microsecond=0)
articles = {
    1: {"title": "Caching with ETags", "body": "An entity tag names one version of a resource.", "at": NOW},
    2: {"title": "Last-Modified", "body": "A date is a weaker validator than a tag.", "at": NOW},
    3: {"title": "Lost updates", "body": "If-Match makes a client prove it saw the latest version.", "at": NOW},
}


def etag(article):
    raw = (article["title"] + "\x00" + article["body"]).encode()
    return '"' + hashlib.md5(raw).hexdigest() + '"'


def tags_in(header):
    return [part.strip() for part in header.split(",") if part.strip()]


def not_found(article_id):
    return jsonify({"error": f"article {article_id} does not exist"}), 404


def full(article_id, article, status=200):
    response = jsonify({"id": article_id, "title": article["title"], "body": article["body"]})
    response.status_code = status
    response.headers["ETag"] = etag(article)
    response.headers["Last-Modified"] = format_datetime(article["at"], usegmt=True)
    return response


def unchanged(article):
    tag = etag(article)
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        candidates = [t[2:] if t.startswith("W/") else t for t in tags_in(inm)]
        return "*" in candidates or tag in candidates
    ims = request.headers.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return article["at"] <= since
    return False


@app.route("/articles/<int:article_id>", methods=["GET"])
def show(article_id):
    article = articles.get(article_id)
    if article is None:
        return not_found(article_id)
    if unchanged(article):
        return Response(status=304, headers={"ETag": etag(article)})
    return full(article_id, article)


@app.route("/articles/<int:article_id>", methods=["PUT"])
def replace(article_id):
    article = articles.get(article_id)
    if article is None:
        return not_found(article_id)
    header = request.headers.get("If-Match")
    if header is None:
        return jsonify({"error": "send If-Match with the current ETag"}), 428
    strong = [t for t in tags_in(header) if not t.startswith("W/")]
    if "*" not in strong and etag(article) not in strong:
        return jsonify({"error": "precondition failed: stale ETag"}), 412
    data = request.get_json(silent=True) or {}
    article["title"] = str(data.get("title", article["title"]))
    article["body"] = str(data.get("body", article["body"]))
    article["at"] = datetime.now(timezone.utc).replace(microsecond=0)
    return full(article_id, article)
