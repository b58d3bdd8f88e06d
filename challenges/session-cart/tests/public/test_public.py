"""Visible tests for session-cart: run them with `grader test`."""

import pytest


def items_of(response):
    return [(item["sku"], item["qty"]) for item in response.json()["items"]]


@pytest.mark.promises("empty-cart", "no-cookie")
def test_empty_cart(client):
    """A new client has an empty cart."""
    response = client.get("/cart")
    assert response.status == 200, response.describe()
    assert items_of(response) == [] and response.json()["count"] == 0, response.describe()


@pytest.mark.promises("add", "get-cart")
def test_add_and_get(client):
    """POST /cart/items answers 201 with the cart; GET /cart then holds the item."""
    response = client.post("/cart/items", json={"sku": "apple", "qty": 2})
    assert response.status == 201, response.describe()
    assert items_of(response) == [("apple", 2)], response.describe()
    response = client.get("/cart")
    assert items_of(response) == [("apple", 2)] and response.json()["count"] == 2, response.describe()


@pytest.mark.promises("separate")
def test_carts_are_per_client(client, new_client):
    """Another client does not see this client's items."""
    client.post("/cart/items", json={"sku": "mine"})
    response = new_client().get("/cart")
    assert items_of(response) == [], response.describe()


@pytest.mark.promises("qty", "bad-body")
def test_qty_out_of_range(client):
    """qty 0 answers 400 with a JSON error."""
    response = client.post("/cart/items", json={"sku": "apple", "qty": 0})
    assert response.status == 400, response.describe()
    assert isinstance(response.json().get("error"), str), response.describe()
