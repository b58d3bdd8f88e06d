from flask import Flask, Response, request

app = Flask(__name__)


def parse_rows():
    rows = request.args.get("rows", 100, type=int)  # "abc" quietly becomes 100
    return rows if 1 <= rows <= 3_000_000 else None


def generate(rows):
    chunk = ["id,name,score\r\n"]
    for i in range(1, rows + 1):
        chunk.append(f"{i},name-{i},{(i * 37) % 101}\r\n")
        if len(chunk) >= 1000:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


@app.get("/export.csv")
def export_csv():
    rows = parse_rows()
    if rows is None:
        return {"error": "rows must be a whole number from 1 to 3000000"}, 400
    return Response(
        generate(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="export.csv"'},
    )
