import csv
import re

from flask import Blueprint, Response, request

bp = Blueprint("exports", __name__)
DIGITS = re.compile(r"[0-9]+")


class Echo:
    """A file-like object whose write() returns what it was given (no buffer at all)."""

    def write(self, value):
        return value


def export_rows(count):
    writer = csv.writer(Echo())
    yield writer.writerow(("id", "name", "score"))
    for i in range(1, count + 1):
        yield writer.writerow((i, "name-" + str(i), i * 37 % 101))


@bp.get("/export.csv")
def export_csv():
    raw = request.args.get("rows", "100")
    if not DIGITS.fullmatch(raw) or not 1 <= int(raw) <= 3000000:
        return {"error": "rows must be a whole number from 1 to 3000000"}, 400
    response = Response(export_rows(int(raw)), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename="export.csv")
    return response
