"""Never finishes importing: the app never listens."""
from flask import Flask

while True:
    pass

app = Flask(__name__)
