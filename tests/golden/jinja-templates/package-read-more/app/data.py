from datetime import date

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
