"""Hidden tests for conditional-get. Each checks one promise of the statement.

One app serves the whole run, so the tests never depend on each other:
articles 1 and 2 are only read; every PUT goes to article 3, and the tests
that write read its current tag and content first and only assert relative
to what they read.
"""

import itertools
import re
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest

READ_ONLY = (1, 2)
WRITABLE = 3
UNKNOWN = 999
# RFC 9110's IMF-fixdate, the only HTTP date format a server may send.
HTTP_DATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} GMT"
)
# A strong entity tag: printable ASCII except '"' and spaces, in double quotes.
STRONG_TAG = re.compile(r'"[\x21\x23-\x7e]*"')
NOT_A_TAG = '"0-surely-not-the-current-tag"'
LONG_AGO = "Mon, 01 Jan 1990 00:00:00 GMT"
_edits = itertools.count(1)


def body_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the body is not JSON: {response.describe()}")


def get_current(client: Any, article_id: int) -> tuple[dict[str, Any], str, str]:
    """The article, its ETag and its Last-Modified, from a plain GET."""
    response = client.get(f"/articles/{article_id}")
    assert response.status == 200, f"GET /articles/{article_id}: {response.describe()}"
    article = body_of(response)
    assert isinstance(article, dict), f"GET /articles/{article_id}: {response.describe()}"
    tag = response.headers.get("ETag")
    assert tag, f"GET /articles/{article_id} has no ETag header: {dict(response.headers)}"
    return article, tag, response.headers.get("Last-Modified") or ""


def last_modified(client: Any, article_id: int) -> datetime:
    _, _, value = get_current(client, article_id)
    assert HTTP_DATE.fullmatch(value), (
        f"Last-Modified of /articles/{article_id} is not an HTTP date like "
        f"'Sun, 06 Nov 1994 08:49:37 GMT': {value!r}"
    )
    return parsedate_to_datetime(value)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def opaque(tag: str) -> str:
    """The quoted part of a tag, without any W/ prefix."""
    return tag[2:] if tag.startswith("W/") else tag


def new_content() -> dict[str, str]:
    """A title and body that no other request of this run has sent."""
    n = next(_edits)
    # <, >, & and quotes must come back verbatim (JSON is not HTML: nothing is escaped).
    return {
        "title": f"Edited <title> #{n} & 'more'",
        "body": f"Edited body #{n}, with ünïcode, <b>, \"quotes\" & 'apostrophes'.",
    }


def put(client: Any, content: dict[str, str], if_match: str | None = None) -> Any:
    headers = {} if if_match is None else {"If-Match": if_match}
    return client.put(f"/articles/{WRITABLE}", json=content, headers=headers)


def assert_error(response: Any, status: int, context: str) -> None:
    assert response.status == status, f"{context}: expected {status}, got {response.describe()}"
    assert response.is_json, f"{context}: an error response is application/json: {response.describe()}"
    body = body_of(response)
    assert isinstance(body, dict), f"{context}: the error body must be a JSON object: {response.describe()}"
    message = body.get("error")
    assert isinstance(message, str) and message, (
        f"{context}: the error body needs a non-empty string 'error': {response.describe()}"
    )


def assert_not_modified(response: Any, tag: str, context: str) -> None:
    assert response.status == 304, f"{context}: expected 304, got {response.describe()}"
    assert response.content == b"", f"{context}: a 304 must have an empty body: {response.describe()}"
    assert response.headers.get("ETag") == tag, (
        f"{context}: a 304 must carry the current ETag {tag}, got {response.headers.get('ETag')!r}"
    )


def assert_article(response: Any, article_id: int, context: str) -> dict[str, Any]:
    assert response.status == 200, f"{context}: expected 200, got {response.describe()}"
    assert response.is_json, f"{context}: not application/json: {response.describe()}"
    article = body_of(response)
    assert isinstance(article, dict) and article.get("id") == article_id, (
        f"{context}: expected the article {article_id} as a JSON object: {response.describe()}"
    )
    for key in ("title", "body"):
        assert isinstance(article.get(key), str), f"{context}: {key!r} is not a string: {response.describe()}"
    return article


# --- GET ---------------------------------------------------------------------


@pytest.mark.promises("get")
@pytest.mark.points(2)
def test_get_article(client):
    """GET /articles/1 and /articles/2 answer 200 with {"id", "title", "body"} as JSON."""
    for article_id in READ_ONLY:
        response = client.get(f"/articles/{article_id}")
        article = assert_article(response, article_id, f"GET /articles/{article_id}")
        assert isinstance(article.get("id"), int) and not isinstance(article["id"], bool), response.describe()


@pytest.mark.promises("unknown-article", "error-response")
@pytest.mark.points(1)
def test_get_unknown_article(client):
    """GET and HEAD of an id with no article answer 404; the GET answer is a JSON error."""
    assert_error(client.get(f"/articles/{UNKNOWN}"), 404, f"GET /articles/{UNKNOWN}")
    response = client.head(f"/articles/{UNKNOWN}")
    assert response.status == 404, f"HEAD /articles/{UNKNOWN}: {response.describe()}"


@pytest.mark.promises("etag-strong")
@pytest.mark.points(1)
def test_etag_is_strong(client):
    """The ETag is a strong tag in double quotes (no W/ prefix, printable ASCII inside)."""
    for article_id in READ_ONLY:
        _, tag, _ = get_current(client, article_id)
        assert STRONG_TAG.fullmatch(tag), (
            f'the ETag of /articles/{article_id} is not a strong tag like "abc123": {tag!r}'
        )


@pytest.mark.promises("etag-content")
@pytest.mark.points(1)
def test_etag_is_stable(client):
    """Answers for an unchanged article carry the same ETag each time."""
    for article_id in READ_ONLY:
        tags = [get_current(client, article_id)[1] for _ in range(3)]
        assert len(set(tags)) == 1, f"/articles/{article_id} answered different tags while unchanged: {tags}"


@pytest.mark.promises("last-modified")
@pytest.mark.points(1)
def test_last_modified_is_http_date(client):
    """Last-Modified is an HTTP date (Sun, 06 Nov 1994 08:49:37 GMT) after 1 January 2001."""
    for article_id in READ_ONLY:
        moment = last_modified(client, article_id)
        assert moment >= datetime(2001, 1, 1, tzinfo=timezone.utc), (
            f"Last-Modified of /articles/{article_id} is before 2001: {moment}"
        )


# --- conditional GET ---------------------------------------------------------


@pytest.mark.promises("inm-match", "not-modified-answer")
@pytest.mark.points(2)
def test_if_none_match_current_tag(client):
    """If-None-Match with the current tag answers 304 with an empty body and the ETag."""
    for article_id in READ_ONLY:
        _, tag, _ = get_current(client, article_id)
        response = client.get(f"/articles/{article_id}", headers={"If-None-Match": tag})
        assert_not_modified(response, tag, f"GET /articles/{article_id} with If-None-Match: {tag}")


@pytest.mark.promises("inm-match", "not-modified-answer")
@pytest.mark.points(1)
def test_if_none_match_list_and_star(client):
    """If-None-Match with the tag among several, or *, answers 304."""
    _, tag, _ = get_current(client, 1)
    for value in (f"{NOT_A_TAG}, {tag}", f'{tag},"another-tag"', "*"):
        response = client.get("/articles/1", headers={"If-None-Match": value})
        assert_not_modified(response, tag, f"GET /articles/1 with If-None-Match: {value}")


@pytest.mark.promises("inm-weak")
@pytest.mark.points(1)
def test_if_none_match_weak_comparison(client):
    """If-None-Match compares weakly: W/ plus the current tag answers 304."""
    _, tag, _ = get_current(client, 2)
    value = f"W/{opaque(tag)}"
    response = client.get("/articles/2", headers={"If-None-Match": value})
    assert_not_modified(response, tag, f"GET /articles/2 with If-None-Match: {value}")


@pytest.mark.promises("inm-other")
@pytest.mark.points(1)
def test_if_none_match_other_tag(client):
    """If-None-Match without the current tag answers 200 with the article and its ETag."""
    _, tag, _ = get_current(client, 1)
    for value in (NOT_A_TAG, f'{NOT_A_TAG}, "another-tag"'):
        response = client.get("/articles/1", headers={"If-None-Match": value})
        assert_article(response, 1, f"GET /articles/1 with If-None-Match: {value}")
        assert response.headers.get("ETag") == tag, (
            f"GET /articles/1 with If-None-Match: {value}: ETag {response.headers.get('ETag')!r}, "
            f"a plain GET gave {tag}"
        )


@pytest.mark.promises("ims-not-modified", "not-modified-answer")
@pytest.mark.points(2)
def test_if_modified_since_not_older(client):
    """If-Modified-Since equal to the Last-Modified sent answers 304 with an empty body and the ETag."""
    for article_id in READ_ONLY:
        _, tag, sent = get_current(client, article_id)
        assert HTTP_DATE.fullmatch(sent), f"Last-Modified is not an HTTP date: {sent!r}"
        response = client.get(f"/articles/{article_id}", headers={"If-Modified-Since": sent})
        assert_not_modified(response, tag, f"GET /articles/{article_id} with If-Modified-Since: {sent}")


@pytest.mark.promises("ims-modified")
@pytest.mark.points(1)
def test_if_modified_since_older(client):
    """If-Modified-Since older than the last change (by a second, or 1990) answers 200."""
    moment = last_modified(client, 1)
    for value in (http_date(moment - timedelta(seconds=1)), LONG_AGO):
        response = client.get("/articles/1", headers={"If-Modified-Since": value})
        assert_article(response, 1, f"GET /articles/1 with If-Modified-Since: {value}")


@pytest.mark.promises("head")
@pytest.mark.points(1)
def test_head(client):
    """HEAD answers as GET: 200 with the same ETag and Last-Modified and no body; 304 when current."""
    _, tag, modified = get_current(client, 2)
    response = client.head("/articles/2")
    assert response.status == 200, f"HEAD /articles/2: {response.describe()}"
    assert response.content == b"", f"HEAD /articles/2 must have no body: {response.describe()}"
    assert response.headers.get("ETag") == tag, (
        f"HEAD /articles/2: ETag {response.headers.get('ETag')!r}, GET gave {tag}"
    )
    assert response.headers.get("Last-Modified") == modified, (
        f"HEAD /articles/2: Last-Modified {response.headers.get('Last-Modified')!r}, GET gave {modified!r}"
    )
    response = client.head("/articles/2", headers={"If-None-Match": tag})
    assert_not_modified(response, tag, f"HEAD /articles/2 with If-None-Match: {tag}")


# --- PUT ---------------------------------------------------------------------


@pytest.mark.promises("put-ok", "etag-content")
@pytest.mark.points(2)
def test_put_with_current_tag(client):
    """PUT with If-Match: the current tag answers 200 with the new article and its new ETag."""
    _, old_tag, _ = get_current(client, WRITABLE)
    content = new_content()
    response = put(client, content, if_match=old_tag)
    context = f"PUT /articles/{WRITABLE} with If-Match: {old_tag}"
    updated = assert_article(response, WRITABLE, context)
    assert (updated.get("title"), updated.get("body")) == (content["title"], content["body"]), (
        f"{context}: sent {content}, answered {response.describe()}"
    )
    answered_tag = response.headers.get("ETag")
    article, tag, _ = get_current(client, WRITABLE)
    assert (article.get("title"), article.get("body")) == (content["title"], content["body"]), (
        f"after {context}, GET answers {article}"
    )
    assert tag != old_tag, f"the ETag did not change when the article changed: {tag}"
    assert answered_tag == tag, f"{context} answered ETag {answered_tag!r}, but GET now answers {tag}"
    response = client.get(f"/articles/{WRITABLE}", headers={"If-None-Match": old_tag})
    assert_article(response, WRITABLE, "GET with If-None-Match: the tag from before the PUT")


@pytest.mark.promises("etag-content")
@pytest.mark.points(1)
def test_same_content_same_tag(client):
    """Changing an article back to an earlier title and body gives the earlier ETag again."""
    article, first_tag, _ = get_current(client, WRITABLE)
    original = {"title": article.get("title"), "body": article.get("body")}
    response = put(client, new_content(), if_match=first_tag)
    assert response.status == 200, f"PUT with the current tag: {response.describe()}"
    _, second_tag, _ = get_current(client, WRITABLE)
    assert second_tag != first_tag, f"the ETag did not change when the article changed: {second_tag}"
    response = put(client, original, if_match=second_tag)
    assert response.status == 200, f"PUT with the current tag: {response.describe()}"
    _, third_tag, _ = get_current(client, WRITABLE)
    assert third_tag == first_tag, (
        f"the article has its earlier title and body again, but its ETag is {third_tag}, not {first_tag}"
    )


@pytest.mark.promises("put-428", "error-response")
@pytest.mark.points(2)
def test_put_without_if_match(client):
    """PUT without If-Match answers 428 with a JSON error and leaves the article unchanged."""
    before, tag, _ = get_current(client, WRITABLE)
    assert_error(put(client, new_content()), 428, f"PUT /articles/{WRITABLE} without If-Match")
    after, tag_after, _ = get_current(client, WRITABLE)
    assert (after, tag_after) == (before, tag), f"a refused PUT changed the article: {before} -> {after}"


@pytest.mark.promises("put-412", "error-response")
@pytest.mark.points(2)
def test_put_with_stale_tag(client):
    """PUT with a tag from before the last change, or any other tag, answers 412 and changes nothing."""
    _, stale, _ = get_current(client, WRITABLE)
    response = put(client, new_content(), if_match=stale)
    assert response.status == 200, f"PUT with the current tag: {response.describe()}"
    before, tag, _ = get_current(client, WRITABLE)
    for value in (stale, NOT_A_TAG):
        assert_error(put(client, new_content(), if_match=value), 412, f"PUT with If-Match: {value}")
        after, tag_after, _ = get_current(client, WRITABLE)
        assert (after, tag_after) == (before, tag), (
            f"PUT with If-Match: {value} changed the article: {before} -> {after}"
        )


@pytest.mark.promises("put-strong")
@pytest.mark.points(1)
def test_put_if_match_strong_comparison(client):
    """If-Match compares strongly: W/ plus the current tag answers 412."""
    before, tag, _ = get_current(client, WRITABLE)
    value = f"W/{opaque(tag)}"
    assert_error(put(client, new_content(), if_match=value), 412, f"PUT with If-Match: {value}")
    after, tag_after, _ = get_current(client, WRITABLE)
    assert (after, tag_after) == (before, tag), f"PUT with If-Match: {value} changed the article"


@pytest.mark.promises("put-list-star")
@pytest.mark.points(1)
def test_put_if_match_list_and_star(client):
    """If-Match with the current tag among several, or *, updates the article."""
    for make_value in (lambda tag: f"{NOT_A_TAG}, {tag}", lambda tag: "*"):
        _, tag, _ = get_current(client, WRITABLE)
        value = make_value(tag)
        content = new_content()
        response = put(client, content, if_match=value)
        updated = assert_article(response, WRITABLE, f"PUT with If-Match: {value}")
        assert updated.get("title") == content["title"], f"PUT with If-Match: {value}: {response.describe()}"


@pytest.mark.promises("unknown-article", "error-response")
@pytest.mark.points(1)
def test_put_unknown_article(client):
    """PUT to an id with no article answers 404 with a JSON error, with or without If-Match."""
    content = new_content()
    for headers in ({}, {"If-Match": NOT_A_TAG}, {"If-Match": "*"}):
        response = client.put(f"/articles/{UNKNOWN}", json=content, headers=headers)
        assert_error(response, 404, f"PUT /articles/{UNKNOWN} with headers {headers}")


@pytest.mark.promises("put-400", "error-response")
@pytest.mark.points(2)
def test_put_bad_body(client):
    """A PUT with the current tag but a body other than {"title": str, "body": str} answers 400, no change."""
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("a body that is not JSON", {"data": "not json", "headers": {"Content-Type": "application/json"}}),
        ("a text/plain body, not JSON", {"data": "title=t", "headers": {"Content-Type": "text/plain"}}),
        ("a JSON list", {"json": ["title", "body"]}),
        ("no title", {"json": {"body": "a body"}}),
        ("a title that is a number", {"json": {"title": 5, "body": "a body"}}),
        ("a body that is null", {"json": {"title": "a title", "body": None}}),
    ]
    before, tag, _ = get_current(client, WRITABLE)
    for what, kwargs in bodies:
        headers = {**kwargs.pop("headers", {}), "If-Match": tag}
        response = client.put(f"/articles/{WRITABLE}", headers=headers, **kwargs)
        assert_error(response, 400, f"PUT /articles/{WRITABLE} (current If-Match) with {what}")
        after, tag_after, _ = get_current(client, WRITABLE)
        assert (after, tag_after) == (before, tag), f"PUT with {what} changed it: {before} -> {after}"


@pytest.mark.promises("ims-not-modified", "not-modified-answer")
@pytest.mark.points(1)
def test_if_modified_since_later(client):
    """If-Modified-Since later than the Last-Modified (a second later, the current time) answers 304."""
    moment = last_modified(client, 1)
    # Dates in the future are not sent: wait (at most a second) until Last-Modified + 1 s has passed.
    time.sleep(max(0.0, moment.timestamp() + 1.05 - time.time()))
    _, tag, _ = get_current(client, 1)
    now = datetime.fromtimestamp(int(time.time()), timezone.utc)
    for value in map(http_date, (moment + timedelta(seconds=1), now)):
        response = client.get("/articles/1", headers={"If-Modified-Since": value})
        assert_not_modified(response, tag, f"GET /articles/1 (Last-Modified {http_date(moment)}) "
                            f"with If-Modified-Since: {value}")


@pytest.mark.promises("last-modified-put")
@pytest.mark.points(2)
def test_last_modified_is_time_of_put(client):
    """After a PUT, Last-Modified is the time of that PUT, to the second (it moves forward)."""
    before = last_modified(client, WRITABLE)
    # HTTP dates have 1 s resolution: start the PUT in a later second than the current Last-Modified.
    time.sleep(max(0.0, before.timestamp() + 1.05 - time.time()))
    _, tag, _ = get_current(client, WRITABLE)
    started = int(time.time())
    response = put(client, new_content(), if_match=tag)
    finished = time.time()
    assert response.status == 200, f"PUT /articles/{WRITABLE} with the current tag: {response.describe()}"
    after = last_modified(client, WRITABLE)
    assert started - 1 <= after.timestamp() <= finished + 1, (
        f"the PUT ran between {http_date(datetime.fromtimestamp(started, timezone.utc))} and "
        f"{http_date(datetime.fromtimestamp(finished, timezone.utc))}, but Last-Modified is now "
        f"{http_date(after)} (it was {http_date(before)})"
    )
    assert after > before, f"Last-Modified did not move forward after the PUT: {http_date(after)}"
    response = client.get(f"/articles/{WRITABLE}", headers={"If-Modified-Since": http_date(before)})
    assert_article(response, WRITABLE, f"after the PUT, GET with If-Modified-Since: {http_date(before)}")


@pytest.mark.promises("methods")
@pytest.mark.points(1)
def test_other_methods_answer_405(client):
    """POST, PATCH and DELETE on /articles/<id> answer 405 with an Allow header naming GET and PUT."""
    for article_id in (1, UNKNOWN):
        for method in ("POST", "PATCH", "DELETE"):
            response = client.request(method, f"/articles/{article_id}", json={"title": "t", "body": "b"})
            context = f"{method} /articles/{article_id}"
            assert response.status == 405, f"{context}: expected 405, got {response.describe()}"
            allow = {m.strip().upper() for m in (response.headers.get("Allow") or "").split(",") if m.strip()}
            assert allow - {"HEAD", "OPTIONS"} == {"GET", "PUT"}, (
                f"{context}: the Allow header must list GET and PUT (HEAD, OPTIONS may be there too), "
                f"got {response.headers.get('Allow')!r}"
            )


@pytest.mark.promises("unknown-url")
@pytest.mark.points(1)
def test_unknown_urls_answer_404(client):
    """URLs the statement does not describe answer 404, whatever the method."""
    for method, path in (
        ("GET", "/"),
        ("GET", "/articles"),
        ("GET", "/articles/"),
        ("GET", "/articles/1/comments"),
        ("PUT", "/articles/1/title"),
        ("GET", "/article/1"),
        ("GET", "/articles/one"),
        ("POST", "/articles"),
    ):
        response = client.request(method, path)
        assert response.status == 404, f"{method} {path}: expected 404, got {response.describe()}"


@pytest.mark.promises("safe-get")
@pytest.mark.points(1)
def test_get_changes_nothing(client):
    """GET and HEAD requests, conditional or not, leave the article, its tag and Last-Modified unchanged."""
    before = get_current(client, WRITABLE)
    time.sleep(max(0.0, int(time.time()) + 1.05 - time.time()))  # a GET in a later second than any PUT
    for headers in ({}, {"If-None-Match": before[1]}, {"If-None-Match": NOT_A_TAG},
                    {"If-Modified-Since": LONG_AGO}, {"If-Match": before[1]}):
        client.get(f"/articles/{WRITABLE}", headers=headers)
        client.head(f"/articles/{WRITABLE}", headers=headers)
    client.get(f"/articles/{UNKNOWN}")
    after = get_current(client, WRITABLE)
    assert after == before, f"GET requests changed /articles/{WRITABLE}: {before} -> {after}"
    assert_error(client.get(f"/articles/{UNKNOWN}"), 404, f"GET /articles/{UNKNOWN} after a GET of it")
