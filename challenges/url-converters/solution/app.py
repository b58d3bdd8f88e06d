from datetime import date, timedelta
from typing import Any

from flask import Flask, jsonify, redirect, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, ValidationError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class DateConverter(BaseConverter):
    """YYYY-MM-DD, a real calendar date, to and from a datetime.date."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None  # no match: the routing answers 404

    def to_url(self, value: date) -> str:
        return value.isoformat()


class IntListConverter(BaseConverter):
    """1 to 50 comma-separated integers, to and from a list of int."""

    regex = r"-?[0-9]+(?:,-?[0-9]+){0,49}"

    def to_python(self, value: str) -> list[int]:
        return [int(item) for item in value.split(",")]

    def to_url(self, value: list[int]) -> str:
        return ",".join(str(int(item)) for item in value)


app = Flask(__name__)
app.url_map.converters["date"] = DateConverter
app.url_map.converters["intlist"] = IntListConverter


@app.errorhandler(404)
def not_found(error: NotFound) -> Any:
    # Only 404s must be JSON; a 405 keeps Flask's own answer, Allow header included.
    return jsonify(error="not found"), 404


@app.get("/events/<date:day>")
def event_day(day: date) -> Any:
    return jsonify(date=day.isoformat(), weekday=WEEKDAYS[day.weekday()])


@app.get("/events/<date:day>/next")
def next_day(day: date) -> Any:
    return redirect(url_for("event_day", day=day + timedelta(days=1)))


@app.get("/sum/<intlist:numbers>")
def total(numbers: list[int]) -> Any:
    return jsonify(numbers=numbers, sum=sum(numbers))
