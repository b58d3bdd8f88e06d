from flask import Flask, render_template, request
from werkzeug.exceptions import NotFound

from .data import ARTICLES


def create_app():
    app = Flask(__name__)

    @app.template_filter()
    def longdate(value):
        return value.strftime("%-d %B %Y")

    @app.errorhandler(NotFound)
    def not_found(error):
        return render_template("not_found.html"), 404

    @app.get("/")
    def index():
        ordered = sorted(ARTICLES, key=lambda a: a["date"])[::-1]
        return render_template("index.html", articles=ordered)

    @app.get("/articles/<slug>")
    def article(slug):
        found = {a["slug"]: a for a in ARTICLES}.get(slug)
        if found is None:
            raise NotFound()
        return render_template("article.html", article=found)

    @app.get("/about")
    def about():
        return render_template("about.html")

    @app.get("/search")
    def search():
        query = request.args.get("q", "")
        results = [a for a in ARTICLES if query.casefold() in a["title"].casefold()]
        return render_template("search.html", query=query, results=results)

    return app
