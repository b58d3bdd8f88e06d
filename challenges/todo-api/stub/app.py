from flask import Flask

app = Flask(__name__)

# The database file: os.environ["DATABASE"]. Create the table when it is missing, e.g.
#   CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
#                                     done INTEGER NOT NULL, created_at TEXT NOT NULL)
# and open one sqlite3 connection per request.


# TODO: POST /api/todos {"title": ..., "done": ...} -> 201 + Location: /api/todos/<id>


# TODO: GET /api/todos?page=&per_page=&done= -> {"items", "page", "per_page", "total"}


# TODO: GET, PATCH and DELETE /api/todos/<int:id>; errors answer {"error": "..."}
