import os

from flask import Flask

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")  # the grader sets SECRET_KEY


@app.get("/me")
def me():
    # TODO: 200 {"username": ...} for a logged-in client
    return {"error": "not logged in"}, 401


# TODO: POST /register {"username", "password"} -> 201 {"username"}; 409 taken; 400 invalid
# TODO: POST /login -> 200 {"username"} and an HttpOnly, SameSite=Lax session cookie; 401 otherwise
# TODO: POST /logout -> 204; a cookie kept from before the logout must not work again
#       (POST only: a GET /logout must answer 405, as Flask does for a POST-only route)
# TODO: POST /password {"old", "new"} -> 204; afterwards only the new password logs in
