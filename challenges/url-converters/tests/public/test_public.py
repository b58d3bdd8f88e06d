"""Visible tests for url-converters: run them with `grader test`."""

import pytest


@pytest.mark.promises("event-day")
def test_event_day(client):
    """GET /events/2024-02-29 answers the date and its weekday."""
    response = client.get("/events/2024-02-29")
    assert response.status == 200, response.describe()
    assert response.json() == {"date": "2024-02-29", "weekday": "Thursday"}, response.describe()


@pytest.mark.promises("date-invalid")
def test_impossible_date(client):
    """GET /events/2023-02-29 answers 404 (2023 is not a leap year)."""
    response = client.get("/events/2023-02-29")
    assert response.status == 404, response.describe()


@pytest.mark.promises("sum")
def test_sum(client):
    """GET /sum/3,-1,4 answers the numbers and their sum."""
    response = client.get("/sum/3,-1,4")
    assert response.status == 200, response.describe()
    assert response.json() == {"numbers": [3, -1, 4], "sum": 6}, response.describe()
