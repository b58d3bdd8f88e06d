"""Everything sorted and filtered in the templates; the filter set on jinja_env directly."""

from datetime import date

from flask import Flask, abort, render_template, request

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

MONTH_NAMES = dict(
    enumerate(
        "January February March April May June July August September October November December".split(),
        start=1,
    )
)

app = Flask(__name__)
app.jinja_env.filters["longdate"] = lambda d: f"{d.day} {MONTH_NAMES[d.month]} {d.year}"


@app.errorhandler(404)
def page_not_found(error):
    return render_template("errors/404.html", error=error), 404


@app.route("/")
def index():
    return render_template("index.html", articles=ARTICLES)


@app.route("/articles/<slug>")
def article(slug):
    matches = [a for a in ARTICLES if a["slug"] == slug]
    if not matches:
        abort(404)
    return render_template("article.html", article=matches[0])


@app.route("/about")
def about():
    return render_template("about.html")


@app.route("/search")
def search():
    return render_template("search.html", q=request.args.get("q", ""), articles=ARTICLES)
