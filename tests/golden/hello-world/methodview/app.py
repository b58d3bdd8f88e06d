from flask import Flask, Response
from flask.views import MethodView
from markupsafe import escape


class Index(MethodView):
    def get(self) -> Response:
        return Response("Hello, World!", mimetype="text/plain")


class Hello(MethodView):
    def get(self, name: str) -> str:
        return "Hello, " + escape(name) + "!"


app = Flask(__name__)
app.add_url_rule("/", view_func=Index.as_view("index"))
app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))
