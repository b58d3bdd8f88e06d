from flask import Flask

app = Flask(__name__)


# TODO: GET / answers "Hello, World!"


# TODO: GET /hello/<name> answers "Hello, <name>!" (HTML-escaped)
