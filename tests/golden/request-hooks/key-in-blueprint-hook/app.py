import os
import re
import time
import uuid

from flask import Blueprint, Flask, g, request
from werkzeug.exceptions import HTTPException

CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

app = Flask(__name__)
api = Blueprint("api", __name__, url_prefix="/api")
counter = {"value": 0}


@app.before_request
def start_request():
    g.started = time.perf_counter()
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if CANONICAL_UUID.fullmatch(sent) else str(uuid.uuid4())


@api.before_request
def check_api_key():
    # a blueprint hook runs only for requests routed to the blueprint
    if request.headers.get("X-API-Key") != os.environ["API_KEY"]:
        return {"error": "unauthorised"}, 401


@app.after_request
def add_headers(response):
    response.headers["X-Request-ID"] = g.request_id
    response.headers["X-Response-Time-Ms"] = f"{(time.perf_counter() - g.started) * 1000:.3f}"
    return response


@app.errorhandler(HTTPException)
def http_error(error):
    return {"error": error.name}, error.code


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/whoami")
def whoami():
    return {"request_id": g.request_id}


@api.get("/counter")
def read_counter():
    return {"value": counter["value"]}


@api.post("/counter")
def increment_counter():
    counter["value"] += 1
    return {"value": counter["value"]}


app.register_blueprint(api)
