import calendar
from datetime import date

from flask import Blueprint, Flask, abort, render_template, request

ARTICLES = [
    {
        "slug": "hello-flask",
        "title": "Hello, Flask",
        "body": "Flask is a small web framework built on Werkzeug. A view returns a response.",
        "tags": ["flask", "python"],
        "date": date(2024, 1, 5),
    },
    {
        "slug": "template-inheritance",
        "title": "Template inheritance",
        "body": "A base template defines blocks; child templates extend it and fill the blocks in.",
        "tags": ["jinja", "templates"],
        "date": date(2023, 11, 9),
    },
    {
        "slug": "escaping",
        "title": 'Why <script>alert("title")</script> stays text',
        "body": "Autoescaping turns <script>alert('body')</script> and <b>bold</b> into plain text.",
        "tags": ["security", "<em>html</em>"],
        "date": date(2024, 3, 12),
    },
    {
        "slug": "custom-filters",
        "title": "Custom Jinja filters in Flask",
        "body": "Register a filter with app.template_filter and use it with a pipe in a template.",
        "tags": ["jinja", "flask"],
        "date": date(2023, 2, 28),
    },
    {
        "slug": "building-urls",
        "title": "Building URLs with url_for",
        "body": "Never write links by hand: url_for builds them from the endpoint's name.",
        "tags": ["routing"],
        "date": date(2024, 10, 1),
    },
]

blog = Blueprint("blog", __name__)


def longdate(value):
    return "%d %s %d" % (value.day, calendar.month_name[value.month], value.year)


def by_date(articles):
    return sorted(articles, key=lambda a: a["date"].toordinal(), reverse=True)


@blog.route("/")
def home():
    return render_template("home.html", articles=by_date(ARTICLES))


@blog.route("/articles/<string:slug>")
def show(slug):
    for article in ARTICLES:
        if article["slug"] == slug:
            return render_template("show.html", article=article)
    abort(404)


@blog.route("/about")
def about():
    return render_template("about.html")


@blog.route("/search")
def search():
    q = request.args.get("q", "")
    hits = [a for a in ARTICLES if q.lower() in a["title"].lower()]
    return render_template("search.html", q=q, hits=hits)


def create_app():
    app = Flask(__name__)
    app.add_template_filter(longdate, "longdate")
    app.register_blueprint(blog)
    app.register_error_handler(404, lambda e: (render_template("missing.html"), 404))
    return app
