from flask import Flask

app = Flask(__name__)

# The articles the app starts with. Keep them in memory (no database).
ARTICLES = {
    1: {"title": "Caching with ETags", "body": "An entity tag names one version of a resource."},
    2: {"title": "Last-Modified", "body": "A date is a weaker validator than a tag."},
    3: {"title": "Lost updates", "body": "If-Match makes a client prove it saw the latest version."},
}


@app.get("/articles/<int:article_id>")
def get_article(article_id: int):
    article = ARTICLES.get(article_id)
    if article is None:
        return {"error": f"no article with id {article_id}"}, 404
    # TODO: an ETag (a strong tag derived from the title and body) and a Last-Modified date;
    #       answer 304 to If-None-Match / If-Modified-Since when the client's copy is current
    return {"id": article_id, **article}


# TODO: PUT /articles/<int:article_id> with {"title": ..., "body": ...}:
#       no If-Match -> 428, a stale If-Match -> 412, the current tag -> 200 with the new ETag
