"""Strict regexes do most of the work; date() checks the calendar."""

import calendar
import datetime

from flask import Flask, jsonify, redirect, url_for
from werkzeug.routing import BaseConverter, ValidationError


class DateConverter(BaseConverter):
    regex = r"\d\d\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"

    def to_python(self, value):
        year, month, day = (int(part) for part in value.split("-"))
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise ValidationError()

    def to_url(self, value):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


class IntListConverter(BaseConverter):
    regex = r"-?\d+(?:,-?\d+)*"

    def to_python(self, value):
        numbers = [int(n) for n in value.split(",")]
        if len(numbers) > 50:
            raise ValidationError()
        return numbers

    def to_url(self, value):
        return ",".join(map(str, value))


app = Flask(__name__)
app.url_map.converters.update(date=DateConverter, intlist=IntListConverter)


@app.errorhandler(404)
def not_found(error):
    return jsonify({"error": "not found"}), 404


@app.route("/events/<date:day>")
def event(day):
    text = day.strftime("%Y-%m-%d")
    return jsonify({"date": text, "weekday": calendar.day_name[day.weekday()]})


@app.route("/events/<date:day>/next")
def following(day):
    return redirect(url_for("event", day=day + datetime.timedelta(days=1)))


@app.route("/sum/<intlist:values>")
def add(values):
    return jsonify({"numbers": values, "sum": sum(values)})
