from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.route("/export.csv", methods=["GET"])
def export():
    raw = request.args.get("rows", "100")
    try:
        rows = int(raw)
    except ValueError:
        return jsonify(error="rows must be an integer"), 400
    if rows < 1 or rows > 3_000_000:
        return jsonify(error="rows must be between 1 and 3000000"), 400

    def generate():
        yield "id,name,score\r\n"
        for i in range(1, rows + 1):
            yield f"{i},name-{i},{(i * 37) % 101}\r\n"

    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="export.csv"'},
    )
