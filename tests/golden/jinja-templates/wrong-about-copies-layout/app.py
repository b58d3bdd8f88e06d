from datetime import date

from flask import Flask, abort, render_template, request

# The blog's articles. Keep them as they are: the grader's tests use them.
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

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip

app = Flask(__name__)


@app.template_filter("longdate")
def longdate(value: date) -> str:
    """5 January 2024: no leading zero, English month whatever the locale."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def newest_first(articles):
    return sorted(articles, key=lambda article: article["date"], reverse=True)


@app.get("/")
def index():
    return render_template("index.html", articles=newest_first(ARTICLES))


@app.get("/articles/<slug>")
def article(slug):
    found = next((a for a in ARTICLES if a["slug"] == slug), None)
    if found is None:
        abort(404)
    return render_template("article.html", article=found)


@app.get("/about")
def about():
    return render_template("about.html")


@app.get("/search")
def search():
    query = request.args.get("q", "")
    needle = query.casefold()
    results = [a for a in newest_first(ARTICLES) if needle in a["title"].casefold()]
    return render_template("search.html", query=query, articles=results)


@app.errorhandler(404)
def not_found(error):
    return render_template("404.html"), 404
