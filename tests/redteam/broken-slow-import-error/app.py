"""Takes 2 s to import, then raises: the app dies while the runner waits for it to listen."""
import time

from flask import Flask

time.sleep(2)
raise RuntimeError("configuration file missing: giving up after a slow start")

app = Flask(__name__)
