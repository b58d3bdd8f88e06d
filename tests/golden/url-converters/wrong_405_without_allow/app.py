"""strptime plus a round-trip check, MethodView classes, an absolute Location."""

from datetime import datetime, timedelta

from flask import Flask, jsonify, redirect, url_for
from flask.views import MethodView
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError


class DateConverter(BaseConverter):
    regex = r"[^/]{10}"

    def to_python(self, value):
        try:
            parsed = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise ValidationError()
        if parsed.isoformat() != value:  # strptime accepts 2024-1-5; the round trip does not
            raise ValidationError()
        return parsed

    def to_url(self, value):
        return value.isoformat()


class IntListConverter(BaseConverter):
    regex = r"[-0-9,]+"

    def to_python(self, value):
        parts = value.split(",")
        if len(parts) > 50:
            raise ValidationError()
        numbers = []
        for part in parts:
            digits = part[1:] if part.startswith("-") else part
            if not digits.isascii() or not digits.isdigit():
                raise ValidationError()
            numbers.append(int(part))
        return numbers


class EventView(MethodView):
    def get(self, day):
        weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        return jsonify(date=day.isoformat(), weekday=weekday[day.weekday()])


class NextView(MethodView):
    def get(self, day):
        return redirect(url_for("event", day=day + timedelta(days=1), _external=True))


class SumView(MethodView):
    def get(self, numbers):
        return jsonify(numbers=numbers, sum=sum(numbers))


app = Flask(__name__)
app.url_map.converters["date"] = DateConverter
app.url_map.converters["intlist"] = IntListConverter
app.add_url_rule("/events/<date:day>", view_func=EventView.as_view("event"))
app.add_url_rule("/events/<date:day>/next", view_func=NextView.as_view("next"))
app.add_url_rule("/sum/<intlist:numbers>", view_func=SumView.as_view("sum"))


@app.errorhandler(HTTPException)
def http_error(error):
    return jsonify(error=f"{error.code} {error.name}"), error.code
