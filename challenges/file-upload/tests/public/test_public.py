"""Visible tests for file-upload: run them with `grader test`."""

import secrets

import pytest

RUN = secrets.token_hex(4)


@pytest.mark.promises("created")
def test_upload_txt(client):
    """POST /upload stores a .txt file and answers 201 with its name and size."""
    name = f"hello-{RUN}.txt"
    response = client.post("/upload", files={"file": (name, b"Hello, file!")})
    assert response.status == 201, response.describe()
    body = response.json()
    assert body["filename"] == name, response.describe()
    assert body["size"] == 12, response.describe()


@pytest.mark.promises("download")
def test_download_uploaded_file(client):
    """An uploaded file is served back by GET /uploads/<filename>."""
    name = f"roundtrip-{RUN}.txt"
    response = client.post("/upload", files={"file": (name, b"round trip")})
    assert response.status == 201, response.describe()
    response = client.get(f"/uploads/{name}")
    assert response.status == 200, response.describe()
    assert response.content == b"round trip", response.describe()


@pytest.mark.promises("bad-extension")
def test_rejects_exe(client):
    """A .exe file is refused with 400 or 415 and a JSON error."""
    response = client.post("/upload", files={"file": (f"virus-{RUN}.exe", b"MZ")})
    assert response.status in (400, 415), response.describe()
    assert "error" in response.json(), response.describe()
