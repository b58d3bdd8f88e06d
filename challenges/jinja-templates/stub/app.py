from datetime import date

from flask import Flask

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

app = Flask(__name__)


# TODO: a Jinja filter named "longdate": date(2024, 1, 5) -> "5 January 2024"

# TODO: GET /                 every title as <a href="/articles/<slug>">, newest first;
#                             <title>Articles</title>
# TODO: GET /articles/<slug>  the title in <h1>, the body, <ul class="tags"> with one <li> per tag,
#                             <time datetime="YYYY-MM-DD">{{ date|longdate }}</time>,
#                             <title>{title} · Articles</title>; an unknown slug -> 404 page with the layout
# TODO: GET /about            <h1>About</h1>
# TODO: GET /search?q=...     the articles whose title contains q (case-insensitive), and the query shown back

# Every page is rendered from a template in templates/ that extends base.html.


@app.get("/")
def index():
    return "TODO"
