import os

from flask import Flask, session

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")  # the grader sets SECRET_KEY


@app.get("/cart")
def get_cart():
    # TODO: answer this client's cart: {"items": [{"sku", "qty"}...], "count": <sum of qty>}
    return {"items": session.get("items", []), "count": 0}


# TODO: POST /cart/items {"sku": 1-32 characters, "qty": integer 1-99, default 1} -> 201 with the cart
# TODO: DELETE /cart/items/<sku> -> 200 with the cart, 404 if the sku is not in it
# TODO: DELETE /cart -> 204, the cart is empty
# Invalid bodies answer 400 {"error": "..."}; a tampered session cookie is an empty cart.
