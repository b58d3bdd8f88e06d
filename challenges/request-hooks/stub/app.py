import os

from flask import Flask

app = Flask(__name__)

API_KEY = os.environ.get("API_KEY", "")


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: every response (errors and 404s included) carries
#   X-Request-ID        the request's own X-Request-ID if it is a canonical
#                       (lower-case 8-4-4-4-12 hex) UUID, else a new uuid4
#   X-Response-Time-Ms  the time taken, in milliseconds (e.g. 0.734)
#   Hint: @app.before_request, @app.after_request and flask.g

# TODO: GET /whoami -> {"request_id": <the id of this request>}

# TODO: every path under /api/ needs X-API-Key == API_KEY, else 401 with
#       {"error": "..."}, checked before routing errors (404/405)

# TODO: GET /api/counter -> {"value": n}; POST /api/counter adds one -> {"value": n}

# TODO: errors (401, 404, 405) answer {"error": "..."}
