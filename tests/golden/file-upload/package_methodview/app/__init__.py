from flask import Flask

from .views import DownloadView, UploadView

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1 << 20

app.add_url_rule("/upload", view_func=UploadView.as_view("upload"))
app.add_url_rule("/uploads/<filename>", view_func=DownloadView.as_view("download"))
