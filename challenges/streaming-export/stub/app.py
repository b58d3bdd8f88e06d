from flask import Flask

app = Flask(__name__)


# TODO: GET /export.csv?rows=N (1 <= N <= 3,000,000, default 100) answers 200, text/csv,
#       Content-Disposition: attachment; filename="export.csv", and the body
#       "id,name,score" then "i,name-i,(i*37)%101" for i = 1..N, every line ending in \r\n.
#       Stream it (a generator): the whole file must never be built in memory.
#       Any other rows answers 400 with {"error": "..."}.
