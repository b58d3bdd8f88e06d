import os

from flask import Flask

app = Flask(__name__)

LIMIT = int(os.environ.get("RATE_LIMIT", "5"))
WINDOW = int(os.environ.get("RATE_WINDOW", "60"))


@app.get("/api/quote")
def quote() -> dict[str, str]:
    # TODO: limit each client (X-Client-Id, or its address) to LIMIT requests
    #       per WINDOW seconds; over the limit answer 429 with {"error": "..."}
    #       and Retry-After.
    # TODO: on every answer, X-RateLimit-Limit, X-RateLimit-Remaining and
    #       X-RateLimit-Reset.
    return {"quote": "Simple is better than complex."}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
