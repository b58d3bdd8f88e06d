from collections.abc import Iterator

from flask import Flask, Response, request

app = Flask(__name__)

MAX_ROWS = 3_000_000
DEFAULT_ROWS = 100


def parse_rows(raw: str | None) -> int | None:
    """The row count asked for, or None when it is not a whole number in range."""
    if raw is None:
        return DEFAULT_ROWS
    if not raw.isascii() or not raw.isdigit():
        return None
    rows = int(raw)
    return rows if 1 <= rows <= MAX_ROWS else None


def generate(rows: int) -> Iterator[str]:
    yield "id,name,score\r\n"
    for i in range(1, rows + 1):
        yield f"{i},name-{i},{(i * 37) % 101}\r\n"


@app.get("/export.csv")
def export_csv() -> Response | tuple[dict[str, str], int]:
    rows = parse_rows(request.args.get("rows"))
    if rows is None:
        return {"error": "rows must be a whole number from 1 to 3000000"}, 400
    response = Response(generate(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="export.csv"'
    return response
