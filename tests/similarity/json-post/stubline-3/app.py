from flask import Flask

app = Flask(__name__)


# TODO: POST /api/data echoes any JSON value (null too) as {"received": <value>};
#       invalid JSON or a non-JSON content type answers 400 or 415 with {"error": "..."}


# TODO: POST /api/users creates a user from {"name": ..., "email": ...} (201),
#       anything invalid answers 400 with {"error": "..."}


# TODO: GET /api/users/<int:id> answers the user (200) or 404 with {"error": "..."}


@app.get("/api/users/<int:user_id>")
