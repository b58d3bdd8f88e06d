"""Hidden tests for jinja-templates. Each checks one promise of the statement."""

from datetime import date

import pytest

# The stub's articles (the statement asks to keep them as they are).
ARTICLES = [
    {
        "slug": "hello-flask",
        "title": "Hello, Flask",
        "body": "Flask is a small web framework built on Werkzeug. A view returns a response.",
        "tags": ["flask", "python"],
        "date": date(2024, 1, 5),
        "longdate": "5 January 2024",
    },
    {
        "slug": "template-inheritance",
        "title": "Template inheritance",
        "body": "A base template defines blocks; child templates extend it and fill the blocks in.",
        "tags": ["jinja", "templates"],
        "date": date(2023, 11, 9),
        "longdate": "9 November 2023",
    },
    {
        "slug": "escaping",
        "title": 'Why <script>alert("title")</script> stays text',
        "body": "Autoescaping turns <script>alert('body')</script> and <b>bold</b> into plain text.",
        "tags": ["security", "<em>html</em>"],
        "date": date(2024, 3, 12),
        "longdate": "12 March 2024",
    },
    {
        "slug": "custom-filters",
        "title": "Custom Jinja filters in Flask",
        "body": "Register a filter with app.template_filter and use it with a pipe in a template.",
        "tags": ["jinja", "flask"],
        "date": date(2023, 2, 28),
        "longdate": "28 February 2023",
    },
    {
        "slug": "building-urls",
        "title": "Building URLs with url_for",
        "body": "Never write links by hand: url_for builds them from the endpoint's name.",
        "tags": ["routing"],
        "date": date(2024, 10, 1),
        "longdate": "1 October 2024",
    },
]
BY_SLUG = {article["slug"]: article for article in ARTICLES}
NEWEST_FIRST = [a["slug"] for a in sorted(ARTICLES, key=lambda a: a["date"], reverse=True)]
ESCAPING = BY_SLUG["escaping"]
# Markup from the data that must never reach a page unescaped.
RAW_MARKUP = [
    '<script>alert("title")</script>',
    "<script>alert('body')</script>",
    "<b>bold</b>",
    "<em>html</em>",
]
UNKNOWN_SLUG = "no-such-article"
# The layout's markup, which only base.html (and what it includes) may write.
LAYOUT_TAGS = {"html", "head", "body", "title", "nav"}


def collapse(text):
    return " ".join(text.split())


def page_of(client, path, status=200, **kwargs):
    """GET path, check its status and HTML content type, and parse it."""
    response = client.get(path, **kwargs)
    assert response.status == status, f"GET {path}: expected {status}, got {response.describe()}"
    assert response.mimetype == "text/html", f"GET {path} is not text/html: {response.describe()}"
    return response, response.html()


def article_links(page):
    """(slug, link text) of every <a href="/articles/<slug>">, in document order."""
    links = []
    for a in page.find_all("a"):
        href = a.get("href") or ""
        if href.startswith("/articles/"):
            links.append((href.removeprefix("/articles/"), a.text))
    return links


def assert_layout(page, response, where):
    title = page.find("title")
    assert title is not None and title.text, f"{where}: no <title> with text: {response.describe()}"
    nav = page.find("nav")
    assert nav is not None, f"{where}: no <nav>: {response.describe()}"
    hrefs = [a.get("href") for a in nav.find_all("a")]
    for href in ("/", "/about"):
        assert href in hrefs, f"{where}: the <nav> has no <a href={href!r}> (its links: {hrefs})"


# --- structure -------------------------------------------------------------------


@pytest.mark.promises("longdate")
@pytest.mark.points(1)
def test_longdate_filter_registered(app_facts, client):
    """A Jinja filter named longdate is registered on the app (and article dates use it)."""
    filters = app_facts["jinja_filters"]
    assert "longdate" in filters, "no Jinja filter named 'longdate' is registered on the app"
    response, page = page_of(client, "/articles/hello-flask")
    texts = [t.text for t in page.find_all("time")]
    assert "5 January 2024" in texts, f"/articles/hello-flask: <time> texts {texts}: {response.describe()}"


@pytest.mark.promises("base-template")
@pytest.mark.points(1)
def test_base_template(app_facts):
    """The app's templates folder has a template named base.html."""
    templates = app_facts["templates"]
    assert "base.html" in templates, f"no template named base.html; the app's templates: {templates}"


@pytest.mark.promises("layout", "html-pages")
@pytest.mark.points(2)
def test_layout_on_every_page(client):
    """/, /about, an article and /search are HTML pages with a <title> and a <nav> linking / and /about."""
    pages = [("/", None), ("/about", None), ("/articles/hello-flask", None), ("/articles/escaping", None)]
    pages.append(("/search", {"q": "flask"}))  # a query goes in params=, never in the path
    for path, params in pages:
        response, page = page_of(client, path, params=params)
        assert_layout(page, response, f"GET {path}")


@pytest.mark.promises("not-found")
@pytest.mark.points(2)
def test_unknown_slug_404_with_layout(client):
    """An unknown slug answers 404 with an HTML page that has the layout (<title>, <nav>)."""
    response, page = page_of(client, f"/articles/{UNKNOWN_SLUG}", status=404)
    assert_layout(page, response, f"GET /articles/{UNKNOWN_SLUG}")


def extends_base(tree, name):
    """Whether the template's chain of {% extends %} reaches base.html."""
    seen = set()
    while name is not None and name not in seen:
        seen.add(name)
        name = (tree.get(name) or {}).get("extends")
        if name == "base.html":
            return True
    return False


def included_by_base(tree):
    """base.html and the templates it includes or imports, directly or through each other."""
    found, todo = set(), ["base.html"]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend((tree.get(name) or {}).get("references", []))
    return found


@pytest.mark.promises("extends-base")
@pytest.mark.points(2)
def test_pages_extend_base(app_facts):
    """Page templates extend base.html; no other template writes <html>, <head>, <body>, <title> or <nav>."""
    tree = app_facts["template_tree"]
    assert "base.html" in tree, f"no readable Jinja template base.html; the app's templates: {sorted(tree)}"
    extending = sorted(name for name in tree if extends_base(tree, name))
    assert extending, f"no template extends base.html; the app's templates: {sorted(tree)}"
    layout_owners = included_by_base(tree)
    for name, facts in sorted(tree.items()):
        if name in layout_owners or name in extending:
            continue
        own = sorted(set(facts["tags"]) & LAYOUT_TAGS)
        assert not own, (
            f"the template {name} does not extend base.html but writes the layout's "
            f"{', '.join(f'<{tag}>' for tag in own)} itself: every page must extend base.html "
            f"(templates that extend it: {extending})"
        )


# --- the index -------------------------------------------------------------------


@pytest.mark.promises("index-title")
@pytest.mark.points(1)
def test_index_title(client):
    """GET / has the <title> Articles."""
    response, page = page_of(client, "/")
    title = page.find("title")
    assert title is not None and title.text == "Articles", (
        f"<title> must be 'Articles': {response.describe()}"
    )


@pytest.mark.promises("index-links")
@pytest.mark.points(2)
def test_index_links_every_article(client):
    """GET / links every article as <a href="/articles/<slug>"> whose text is its title."""
    response, page = page_of(client, "/")
    links = article_links(page)
    for article in ARTICLES:
        assert (article["slug"], article["title"]) in links, (
            f"GET /: no <a href='/articles/{article['slug']}'> with the text {article['title']!r}; "
            f"article links found: {links}"
        )


@pytest.mark.promises("index-order")
@pytest.mark.points(2)
def test_index_newest_first(client):
    """GET / lists the articles newest first."""
    response, page = page_of(client, "/")
    order = []
    for slug, text in article_links(page):
        if slug in BY_SLUG and text == BY_SLUG[slug]["title"] and slug not in order:
            order.append(slug)
    assert order == NEWEST_FIRST, f"GET /: articles listed as {order}, newest first is {NEWEST_FIRST}"


# --- an article --------------------------------------------------------------------


@pytest.mark.promises("article-h1", "article-title", "article-body")
@pytest.mark.points(2)
def test_article_page(client):
    """GET /articles/<slug> has the title in <h1>, the body, and the <title> '<title> · Articles'."""
    for article in ARTICLES:
        path = f"/articles/{article['slug']}"
        response, page = page_of(client, path)
        headings = [h1.text for h1 in page.find_all("h1")]
        assert article["title"] in headings, f"GET {path}: no <h1> {article['title']!r} (<h1>s: {headings})"
        title = page.find("title")
        wanted = f"{article['title']} · Articles"
        assert title is not None and title.text == wanted, (
            f"GET {path}: <title> must be {wanted!r}, got {title and title.text!r}"
        )
        assert collapse(article["body"]) in page.text, (
            f"GET {path}: the body is not on the page: {response.describe()}"
        )


@pytest.mark.promises("article-tags")
@pytest.mark.points(1)
def test_article_tags(client):
    """GET /articles/<slug> lists the tags as the <li> items of a <ul class="tags">."""
    for article in ARTICLES:
        path = f"/articles/{article['slug']}"
        response, page = page_of(client, path)
        tags = page.find("ul", class_="tags")
        assert tags is not None, f"GET {path}: no <ul class='tags'>: {response.describe()}"
        items = sorted(li.text for li in tags.find_all("li"))
        assert items == sorted(article["tags"]), (
            f"GET {path}: tags {items}, expected {sorted(article['tags'])}"
        )


@pytest.mark.promises("article-date", "longdate")
@pytest.mark.points(2)
def test_article_date(client):
    """GET /articles/<slug> has <time datetime="YYYY-MM-DD"> whose text is the long date (5 January 2024)."""
    for article in ARTICLES:
        path = f"/articles/{article['slug']}"
        response, page = page_of(client, path)
        iso = article["date"].isoformat()
        times = page.find_all("time", datetime=iso)
        assert times, f"GET {path}: no <time datetime='{iso}'>: {response.describe()}"
        texts = [t.text for t in times]
        assert article["longdate"] in texts, (
            f"GET {path}: <time datetime='{iso}'> says {texts}, not {article['longdate']!r}"
        )


# --- about and search --------------------------------------------------------------


@pytest.mark.promises("about")
@pytest.mark.points(1)
def test_about(client):
    """GET /about has an <h1> About."""
    response, page = page_of(client, "/about")
    headings = [h1.text for h1 in page.find_all("h1")]
    assert "About" in headings, f"GET /about: <h1> texts {headings}: {response.describe()}"


def search_results(client, query):
    response, page = page_of(client, "/search", params={"q": query})
    return response, page, article_links(page)


@pytest.mark.promises("search")
@pytest.mark.points(2)
def test_search_titles(client):
    """GET /search?q= links exactly the articles whose title contains q, as links with the title."""
    for query in ["flask", "url", "inheritance"]:
        response, page, links = search_results(client, query)
        wanted = {(a["slug"], a["title"]) for a in ARTICLES if query in a["title"].lower()}
        assert set(links) == wanted, (
            f"/search?q={query}: article links {sorted(set(links))}, expected {sorted(wanted)}"
        )


@pytest.mark.promises("search")
@pytest.mark.points(1)
def test_search_ignores_case(client):
    """GET /search matches titles whatever the case of the query (FLASK finds Hello, Flask)."""
    for query in ["FLASK", "fLaSk", "JINJA"]:
        response, page, links = search_results(client, query)
        wanted = {a["slug"] for a in ARTICLES if query.lower() in a["title"].lower()}
        found = {slug for slug, _ in links}
        assert found == wanted, f"/search?q={query}: found {sorted(found)}, expected {sorted(wanted)}"


@pytest.mark.promises("search")
@pytest.mark.points(1)
def test_search_titles_only(client):
    """GET /search does not search bodies or tags: a word found only there finds nothing."""
    for query in ["werkzeug", "blocks", "python"]:
        response, page, links = search_results(client, query)
        assert not links, f"/search?q={query} matches no title, but links {links}"


@pytest.mark.promises("search-query")
@pytest.mark.points(1)
def test_search_shows_query(client):
    """GET /search shows the query back, as text or as an <input>'s value."""
    query = "zebra crossing 42"
    response, page, links = search_results(client, query)
    values = [i.get("value") for i in page.find_all("input")]
    assert query in page.text or query in values, (
        f"/search?q={query}: the query is not shown: {response.describe()}"
    )


# --- escaping ------------------------------------------------------------------------


@pytest.mark.promises("escaping")
@pytest.mark.points(2)
def test_article_escaped(client):
    """The article with HTML in its title, body and tags shows it as text, never as markup."""
    response, page = page_of(client, "/articles/escaping")
    for markup in RAW_MARKUP:
        assert markup not in response.text, (
            f"/articles/escaping: {markup!r} appears unescaped: {response.describe()}"
        )
    headings = [h1.text for h1 in page.find_all("h1")]
    assert ESCAPING["title"] in headings, (
        f"/articles/escaping: no <h1> {ESCAPING['title']!r} (<h1>s: {headings})"
    )
    assert collapse(ESCAPING["body"]) in page.text, (
        f"/articles/escaping: the body is not shown as text: {response.describe()}"
    )


@pytest.mark.promises("escaping")
@pytest.mark.points(1)
def test_index_and_search_escaped(client):
    """The index, a search result and the query shown back are escaped."""
    response, page = page_of(client, "/")
    assert RAW_MARKUP[0] not in response.text, (
        f"GET /: the title's markup appears unescaped: {response.describe()}"
    )
    query = '<script>alert("query")</script>'
    response, page, links = search_results(client, query)
    assert query not in response.text, f"/search: the query appears unescaped: {response.describe()}"
    response, page, links = search_results(client, "<script>")
    assert RAW_MARKUP[0] not in response.text, (
        f"/search?q=<script>: the title appears unescaped: {response.describe()}"
    )
    assert ("escaping", ESCAPING["title"]) in links, (
        f"/search?q=<script> must find the escaping article: {links}"
    )


# --- HTTP rules ------------------------------------------------------------------------

PAGES = ("/", "/about", "/articles/hello-flask", "/search?q=flask")


@pytest.mark.promises("methods")
@pytest.mark.points(1)
def test_other_methods_answer_405(client):
    """POST, PUT, PATCH and DELETE on the pages answer 405 with an Allow header naming GET."""
    for path in PAGES:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = client.request(method, path)
            assert response.status == 405, f"{method} {path}: expected 405, got {response.describe()}"
            allow = {m.strip().upper() for m in (response.headers.get("Allow") or "").split(",") if m.strip()}
            assert allow - {"HEAD", "OPTIONS"} == {"GET"}, (
                f"{method} {path}: the Allow header must list GET (HEAD, OPTIONS may be there too), "
                f"got {response.headers.get('Allow')!r}"
            )


@pytest.mark.promises("unknown-url")
@pytest.mark.points(1)
def test_unknown_urls_answer_404(client):
    """URLs the statement does not describe answer 404."""
    for path in ("/articles", "/articles/", "/articles/hello-flask/comments", "/abouts", "/about/team",
                 "/search/flask", "/index.html", "/article/hello-flask"):
        response = client.get(path)
        assert response.status == 404, f"GET {path}: expected 404, got {response.describe()}"


@pytest.mark.promises("safe-get")
@pytest.mark.points(1)
def test_gets_change_nothing(client):
    """Earlier GETs (pages, searches, unknown slugs) do not change what later GETs answer."""
    first = {path: client.get(path).text for path in PAGES}
    for path in (*PAGES, f"/articles/{UNKNOWN_SLUG}", "/search?q=<script>", "/search?q="):
        client.get(path)
    for path, text in first.items():
        again = client.get(path)
        assert again.status == 200 and again.text == text, f"GET {path} answered differently the second time"
