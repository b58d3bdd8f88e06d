from flask import Flask
from werkzeug.routing import BaseConverter, ValidationError  # noqa: F401 - you will need them

app = Flask(__name__)


class DateConverter(BaseConverter):
    """TODO: matches YYYY-MM-DD, a real calendar date; to_python gives a datetime.date."""


class IntListConverter(BaseConverter):
    """TODO: matches 1 to 50 comma-separated integers; to_python gives a list of ints."""


# TODO: register the converters on the app under the names "date" and "intlist"
#       (before the routes that use them), then:
#   GET /events/<date:day>        -> {"date": "2024-02-29", "weekday": "Thursday"}
#   GET /events/<date:day>/next   -> 302 to the next day's page, built with url_for
#   GET /sum/<intlist:numbers>    -> {"numbers": [...], "sum": ...}
# Every 404 answers {"error": "..."} as JSON.
