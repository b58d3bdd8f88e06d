"""Visible tests for streaming-export: run them with `grader test`."""

import hashlib

import pytest


@pytest.mark.promises("rows-content", "crlf")
def test_small_export(client):
    """GET /export.csv?rows=3 answers the header line and three rows, each ending in \\r\\n."""
    response = client.get("/export.csv", params={"rows": 3})
    assert response.status == 200, response.describe()
    assert response.content == b"id,name,score\r\n1,name-1,37\r\n2,name-2,74\r\n3,name-3,10\r\n", (
        response.describe()
    )


@pytest.mark.promises("content-type", "disposition")
def test_csv_download_headers(client):
    """The export is text/csv with Content-Disposition: attachment; filename="export.csv"."""
    response = client.get("/export.csv", params={"rows": 5})
    assert response.status == 200, response.describe()
    assert response.mimetype == "text/csv", response.describe()
    from werkzeug.http import parse_options_header

    kind, options = parse_options_header(response.headers.get("Content-Disposition") or "")
    assert kind == "attachment" and options.get("filename") == "export.csv", response.describe()


@pytest.mark.promises("rows-invalid")
def test_zero_rows_is_an_error(client):
    """rows=0 answers 400 with a JSON error."""
    response = client.get("/export.csv", params={"rows": 0})
    assert response.status == 400, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()


@pytest.mark.promises("streamed")
def test_a_larger_export_is_streamed(client):
    """A 200,000-row export is exact, and its first bytes arrive within the first sixth of the download."""
    rows = 200_000
    digest = hashlib.sha256(b"id,name,score\r\n")
    for i in range(1, rows + 1):
        digest.update(f"{i},name-{i},{(i * 37) % 101}\r\n".encode())
    result = client.stream("GET", "/export.csv", params={"rows": rows}, timeout=120)
    assert result.status == 200, result.head[:200]
    assert result.sha256 == digest.hexdigest(), f"the body differs; it starts with {result.head[:120]!r}"
    assert result.first_byte_seconds is not None
    assert result.first_byte_seconds <= result.total_seconds / 6, (
        f"first byte after {result.first_byte_seconds} s, last after {result.total_seconds} s: not streamed"
    )
