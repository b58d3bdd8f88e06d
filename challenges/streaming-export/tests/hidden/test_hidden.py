"""Hidden tests for streaming-export. Each checks one promise of the statement.

The large, streamed export is checked by one test only (the last one): an app
that builds the whole body first fails it in both modes, by the timing (the
first byte arrives only when the body is complete) and, in the sandbox, also
by the memory limit (the server process is killed and the connection breaks).
"""

import hashlib
from typing import Any

import pytest

HEADER = "id,name,score"
# The size of the streamed export: enough that a body built in memory (a string, or a
# list of all its rows) exceeds the memory limit, small enough to keep grading quick.
LARGE_ROWS = 1_500_000
# The statement allows several minutes for the large export: each download may take 200 s
# (a generator yielding one row at a time is slow through a real server on a busy machine).
LARGE_TIMEOUT = 200
# The first byte of a streamed body arrives within a few hundredths of the download; a
# body built first arrives in one piece at the end (over nine tenths), and a list of all
# its rows built first delays the first byte by over a third. The limit in between is
# a sixth; a second try absorbs one slow connection on a busy machine.
TIMING_TRIES = 2


def row(i: int) -> str:
    return f"{i},name-{i},{(i * 37) % 101}"


def expected_body(rows: int) -> bytes:
    return "".join(f"{line}\r\n" for line in [HEADER, *map(row, range(1, rows + 1))]).encode()


def expected_digest(rows: int) -> tuple[int, str]:
    """The size and SHA-256 of a large export, computed piece by piece (never held whole)."""
    digest = hashlib.sha256(f"{HEADER}\r\n".encode())
    size = len(HEADER) + 2
    for start in range(1, rows + 1, 10_000):
        piece = "".join(f"{row(i)}\r\n" for i in range(start, min(start + 10_000, rows + 1))).encode()
        digest.update(piece)
        size += len(piece)
    return size, digest.hexdigest()


def get_export(client: Any, **params: Any) -> Any:
    return client.get("/export.csv", params=params or None)


def shown(content: bytes, limit: int = 160) -> str:
    """The start of a body, with its line endings visible."""
    text = repr(content[:limit])
    return text + (" ..." if len(content) > limit else "")


def assert_ok(response: Any, context: str) -> None:
    assert response.status == 200, f"{context}: expected 200, got {response.describe()}"


def lines_of(response: Any) -> list[str]:
    """The body's lines, whatever their endings (test_lines_end_with_crlf checks those)."""
    return response.content.decode("utf-8", errors="replace").splitlines()


def assert_json_error(response: Any, context: str) -> None:
    assert response.status == 400, f"{context}: expected 400, got {response.describe()}"
    assert response.is_json, f"{context}: the error must be JSON: {response.describe()}"
    try:
        body = response.json()
    except ValueError:
        pytest.fail(f"{context}: the body is not JSON: {response.describe()}")
    message = body.get("error") if isinstance(body, dict) else None
    assert isinstance(message, str) and message, (
        f"{context}: the error body needs a non-empty string 'error': {response.describe()}"
    )


@pytest.mark.promises("rows-content", "crlf")
@pytest.mark.points(3)
def test_small_export_is_exact(client):
    """GET /export.csv?rows=3 answers exactly the header line and three rows, each ending in \\r\\n."""
    response = get_export(client, rows=3)
    assert_ok(response, "rows=3")
    wanted = expected_body(3)
    assert response.content == wanted, (
        f"rows=3: expected the body {shown(wanted)}, got {shown(response.content)}"
    )


@pytest.mark.promises("default-rows")
@pytest.mark.points(2)
def test_default_is_100_rows(client):
    """Without a rows parameter the export has exactly 100 rows."""
    response = get_export(client)
    assert_ok(response, "no rows parameter")
    got = lines_of(response)
    assert len(got) == 101, f"expected the header and 100 rows, got {len(got)} lines; ends with {got[-2:]!r}"
    assert got[-1].split(",", 1)[0] == "100", f"the last row must be row 100, got {got[-1]!r}"


@pytest.mark.promises("rows-content", "rows-range")
@pytest.mark.points(2)
def test_row_count(client):
    """rows=N gives exactly N rows, numbered 1 to N (no row missing or added)."""
    for rows in [1, 2, 57, 1000]:
        response = get_export(client, rows=rows)
        assert_ok(response, f"rows={rows}")
        got = lines_of(response)
        ids = [line.split(",", 1)[0] for line in got[1:]]
        assert len(got) == rows + 1, (
            f"rows={rows}: expected {rows} rows after the header, got {len(got) - 1}; "
            f"the first ids are {ids[:3]!r}, the last {ids[-3:]!r}"
        )
        assert ids == [str(i) for i in range(1, rows + 1)], (
            f"rows={rows}: the rows must be numbered 1 to {rows}: first {ids[:3]!r}, last {ids[-3:]!r}"
        )


@pytest.mark.promises("rows-content")
@pytest.mark.points(2)
def test_names_and_scores(client):
    """The header is id,name,score and every row i of a 1000-row export is i,name-i,(i*37)%101."""
    response = get_export(client, rows=1000)
    assert_ok(response, "rows=1000")
    got = lines_of(response)
    assert got and got[0] == HEADER, f"the first line must be {HEADER!r}: {shown(response.content)}"
    assert len(got) > 1, f"rows=1000: no rows after the header: {shown(response.content)}"
    for i, line in enumerate(got[1:], start=1):
        assert line == row(i), f"row {i} must be {row(i)!r}, got {line!r}"


@pytest.mark.promises("crlf")
@pytest.mark.points(2)
def test_lines_end_with_crlf(client):
    """Every line of the body, the last one too, ends with \\r\\n (no bare \\n)."""
    response = get_export(client, rows=10)
    assert_ok(response, "rows=10")
    content = response.content
    assert content.endswith(b"\r\n"), f"the last line must end with \\r\\n: {shown(content[-60:])}"
    bare = content.replace(b"\r\n", b"")
    assert b"\n" not in bare and b"\r" not in bare, (
        f"every line must end with \\r\\n, not a bare \\n or \\r: {shown(content)}"
    )


@pytest.mark.promises("content-type")
@pytest.mark.points(1)
def test_content_type_is_csv(client):
    """The export's content type is text/csv."""
    for params in [{"rows": 5}, {}]:
        response = client.get("/export.csv", params=params or None)
        assert_ok(response, f"GET /export.csv {params or ''}".strip())
        assert response.mimetype == "text/csv", f"the content type must be text/csv: {response.describe()}"


@pytest.mark.promises("disposition")
@pytest.mark.points(2)
def test_content_disposition(client):
    """The export carries Content-Disposition: attachment; filename="export.csv"."""
    from werkzeug.http import parse_options_header

    response = get_export(client, rows=5)
    assert_ok(response, "rows=5")
    raw = response.headers.get("Content-Disposition")
    assert raw, f"the Content-Disposition header is missing: {response.describe()}"
    kind, options = parse_options_header(raw)
    assert kind.lower() == "attachment" and options.get("filename") == "export.csv", (
        f'expected Content-Disposition: attachment; filename="export.csv", got {raw!r}'
    )


@pytest.mark.promises("rows-range", "rows-invalid")
@pytest.mark.points(2)
def test_rows_out_of_range(client):
    """rows=0, a negative rows or rows over 3,000,000 answers 400 with a JSON error."""
    for value in ["0", "-5", "3000001", "10000000"]:
        response = get_export(client, rows=value)
        assert_json_error(response, f"rows={value}")


@pytest.mark.promises("rows-invalid")
@pytest.mark.points(2)
def test_rows_not_a_whole_number(client):
    """rows that is not a whole number in decimal digits (abc, 1.5, 12abc, ²) answers 400 with a JSON error."""
    for value in ["abc", "1.5", "12abc", "²"]:
        response = get_export(client, rows=value)
        assert_json_error(response, f"rows={value}")


@pytest.mark.promises("rows-range")
@pytest.mark.points(2)
def test_largest_rows_accepted(client):
    """rows=3000000, the largest allowed, answers 200 with the CSV (only the start of the body is read).

    An app killed while it builds the whole body first (the connection breaks
    before any answer, in the sandbox) fails test_large_export_is_streamed
    for that; this test fails an answer that refuses the number.
    """
    from grader.testkit.client import ClientError, ClientTimeout

    for value in ("3000000", "2999999"):
        try:
            result = client.stream("GET", "/export.csv", params={"rows": value}, max_bytes=4096, timeout=60)
        except ClientTimeout:
            raise
        except ClientError:
            continue  # no answer at all: the memory limit, not a refusal
        assert result.status == 200, f"rows={value}: expected 200, got {result.status}: {shown(result.head)}"
        assert result.mimetype == "text/csv", f"rows={value}: the content type must be text/csv"
        start = expected_body(3)[: len(result.head)]
        assert len(result.head) >= len(start) and result.head.startswith(start), (
            f"rows={value}: the body must start {shown(expected_body(3))}, got {shown(result.head)}"
        )


@pytest.mark.promises("methods")
@pytest.mark.points(1)
def test_other_methods_answer_405(client):
    """POST, PUT, PATCH and DELETE on /export.csv answer 405 with an Allow header naming GET."""
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.request(method, "/export.csv", params={"rows": 3})
        assert response.status == 405, f"{method} /export.csv: expected 405, got {response.describe()}"
        allow = {m.strip().upper() for m in (response.headers.get("Allow") or "").split(",") if m.strip()}
        assert allow - {"HEAD", "OPTIONS"} == {"GET"}, (
            f"{method} /export.csv: the Allow header must list GET (HEAD, OPTIONS may be there too), "
            f"got {response.headers.get('Allow')!r}"
        )


@pytest.mark.promises("unknown-url")
@pytest.mark.points(1)
def test_unknown_urls_answer_404(client):
    """URLs the statement does not describe answer 404."""
    for path in ("/", "/export", "/export.json", "/export.csv/all", "/exports/export.csv", "/export.csvx"):
        response = client.get(path, params={"rows": 3})
        assert response.status == 404, f"GET {path}?rows=3: expected 404, got {response.describe()}"


@pytest.mark.promises("safe-get")
@pytest.mark.points(1)
def test_exports_do_not_change_later_exports(client):
    """Earlier exports, valid or refused, do not change what a later export answers."""
    first = get_export(client, rows=7)
    assert_ok(first, "rows=7")
    for value in ("3", "0", "abc", "3000001", "1"):
        get_export(client, rows=value)
    get_export(client)
    again = get_export(client, rows=7)
    assert_ok(again, "rows=7, asked again")
    assert again.content == first.content == expected_body(7), (
        f"rows=7 answered {shown(first.content)} and later {shown(again.content)}"
    )


def download_large_export(client: Any, size: int, digest: str) -> tuple[float, float]:
    """Stream the large export, check its body, and return (first byte, last byte) in seconds."""
    from grader.testkit.client import ClientError, ClientTimeout

    try:
        result = client.stream("GET", "/export.csv", params={"rows": LARGE_ROWS}, timeout=LARGE_TIMEOUT)
    except ClientTimeout:
        raise
    except ClientError as exc:  # the connection broke: in the sandbox, the memory limit
        pytest.fail(
            f"rows={LARGE_ROWS}: the download broke off ({exc}); an app that builds the whole "
            "export in memory is killed by the memory limit"
        )
    assert result.status == 200, f"rows={LARGE_ROWS}: expected 200, got {result.status}: {shown(result.head)}"
    assert result.size == size and result.sha256 == digest, (
        f"rows={LARGE_ROWS}: the body is not the statement's export ({result.size} bytes, "
        f"expected {size}); it starts with {shown(result.head)}"
    )
    assert result.first_byte_seconds is not None, f"rows={LARGE_ROWS}: the body is empty"
    return result.first_byte_seconds, result.total_seconds


@pytest.mark.promises("streamed", "memory")
@pytest.mark.points(4)
def test_large_export_is_streamed(client):
    """A 1,500,000-row export is exact, and its first byte arrives in the first sixth of the download."""
    size, digest = expected_digest(LARGE_ROWS)
    tries = []
    for _ in range(TIMING_TRIES):
        first, total = download_large_export(client, size, digest)
        tries.append(f"first byte after {first} s, last after {total} s")
        if first <= total / 6:
            return
    pytest.fail(
        f"rows={LARGE_ROWS}: the body was not streamed, it was produced before its first byte was "
        f"sent ({'; '.join(tries)})"
    )
