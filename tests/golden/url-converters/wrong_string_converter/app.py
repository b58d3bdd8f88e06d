"""Right answers over HTTP, but no converters: <string:...> and checks in the views."""

import re
from datetime import date, timedelta

from flask import Flask, abort, jsonify, redirect, url_for

app = Flask(__name__)
NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def parse_day(text):
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        abort(404)
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


@app.errorhandler(404)
def not_found(error):
    return jsonify(error="not found"), 404


@app.get("/events/<string:day>")
def event(day):
    parsed = parse_day(day)
    return jsonify(date=parsed.isoformat(), weekday=NAMES[parsed.weekday()])


@app.get("/events/<string:day>/next")
def next_day(day):
    return redirect(url_for("event", day=(parse_day(day) + timedelta(days=1)).isoformat()))


@app.get("/sum/<string:text>")
def total(text):
    if not re.fullmatch(r"-?[0-9]+(,-?[0-9]+){0,49}", text):
        abort(404)
    numbers = [int(n) for n in text.split(",")]
    return jsonify(numbers=numbers, sum=sum(numbers))
