import csv
import io

from flask import Flask, Response, abort, jsonify, request, stream_with_context
from werkzeug.exceptions import BadRequest

MAX_ROWS = 3_000_000
BATCH = 500


def rows_param() -> int:
    raw = request.args.get("rows")
    if raw is None:
        return 100
    if not raw.isdecimal():
        abort(400, description="rows must be a whole number")
    rows = int(raw)
    if not 1 <= rows <= MAX_ROWS:
        abort(400, description=f"rows must be from 1 to {MAX_ROWS}")
    return rows


def create_app() -> Flask:
    app = Flask(__name__)

    @app.errorhandler(BadRequest)
    def bad_request(error):
        return jsonify({"error": error.description}), 400

    @app.get("/export.csv")
    def export_csv():
        rows = rows_param()

        @stream_with_context
        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["id", "name", "score"])
            for i in range(1, rows + 1):
                writer.writerow([i, f"name-{i}", (i * 37) % 101])
                if i % BATCH == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        response = Response(generate(), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = 'attachment; filename="export.csv"'
        return response

    return app
