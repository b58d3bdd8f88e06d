"""A create_app() factory and a blueprint; the converters match any segment
and validate everything in to_python."""

import re
from datetime import date

from flask import Blueprint, Flask, redirect, url_for
from werkzeug.routing import BaseConverter, ValidationError

DATE_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
INT_SHAPE = re.compile(r"-?[0-9]+")
NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class DateConverter(BaseConverter):
    def to_python(self, value):
        found = DATE_SHAPE.fullmatch(value)
        if not found:
            raise ValidationError()
        try:
            return date(*map(int, found.groups()))
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value):
        return value.isoformat()


class IntListConverter(BaseConverter):
    def to_python(self, value):
        items = value.split(",")
        if not 1 <= len(items) <= 50 or not all(INT_SHAPE.fullmatch(i) for i in items):
            raise ValidationError()
        return [int(i) for i in items]


events = Blueprint("events", __name__)


@events.get("/events/<date:day>")
def show(day):
    return {"date": day.isoformat(), "weekday": NAMES[day.weekday()]}


@events.get("/events/<date:day>/next")
def next_day(day):
    return redirect(url_for(".show", day=day.replace(day=day.day + 1)), code=302)


@events.get("/sum/<intlist:numbers>")
def total(numbers):
    return {"numbers": numbers, "sum": sum(numbers)}


def create_app():
    app = Flask(__name__)
    app.url_map.converters["date"] = DateConverter
    app.url_map.converters["intlist"] = IntListConverter
    app.register_blueprint(events)
    app.register_error_handler(404, lambda e: ({"error": e.description}, 404))
    return app
