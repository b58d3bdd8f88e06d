from typing import Any

BOOKS: list[dict[str, Any]] = [
    {"id": 10, "title": "Godel, Escher, Bach", "author": "Douglas Hofstadter"},
    {"id": 11, "title": "The Art of Computer Programming", "author": "Donald Knuth"},
    {"id": 12, "title": "Structure and Interpretation of Computer Programs", "author": "Abelson"},
    {"id": 13, "title": "Zoë's Café", "author": "Anon"},
]


def find_book(book_id: int) -> dict[str, Any] | None:
    return next((b for b in BOOKS if b["id"] == book_id), None)
