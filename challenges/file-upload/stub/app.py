import os

from flask import Flask

app = Flask(__name__)

# Uploads are saved in this folder (set by the grader before the app is imported).
UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "uploads")

# TODO: refuse request bodies over 1 MiB with 413 (hint: MAX_CONTENT_LENGTH)


# TODO: POST /upload stores the multipart field `file` and answers 201 with
#       {"filename": secure_filename(original name), "size": byte count};
#       only txt, pdf, png, jpg, jpeg, gif (any letter case) are allowed


# TODO: GET /uploads/<filename> serves a stored file back (404 if unknown),
#       never a file outside UPLOAD_FOLDER
