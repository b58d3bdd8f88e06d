from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.get("/export.csv")
def export_csv():
    try:
        rows = int(request.args.get("rows", "100"))
    except ValueError:
        return jsonify(error="rows must be an integer"), 400
    if not 1 <= rows <= 3_000_000:
        return jsonify(error="rows out of range"), 400
    # a list is iterable, so Flask sends it piece by piece: but every row is built first
    lines = ["id,name,score\r\n"] + [f"{i},name-{i},{(i * 37) % 101}\r\n" for i in range(1, rows + 1)]
    return Response(
        lines,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="export.csv"'},
    )
