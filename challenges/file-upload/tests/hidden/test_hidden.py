"""Hidden tests for file-upload. Each checks one promise of the statement.

Uploads persist for the whole run, so every test uploads under its own names
(with a per-run token, in case the folder is ever reused).
"""

import secrets

import pytest

RUN = secrets.token_hex(4)
KIB = 1024
MIB = 1024 * KIB
BINARY = bytes(range(256)) * 16
#: Deep enough to climb from any upload folder to the filesystem root.
UP = 12


def upload(client, filename, content, field="file"):
    return client.post("/upload", files={field: (filename, content)})


def assert_json_error(response, statuses):
    assert response.status in statuses, f"expected {statuses}: " + response.describe()
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict) and "error" in body, (
        "expected a JSON object with an `error` key: " + response.describe()
    )


def assert_created(response, filename, size):
    assert response.status == 201, response.describe()
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict), "expected a JSON object: " + response.describe()
    assert body.get("filename") == filename, f"expected filename {filename!r}: " + response.describe()
    assert body.get("size") == size, f"expected size {size}: " + response.describe()


@pytest.mark.points(2)
def test_upload_returns_201_with_filename_and_size(client):
    """POST /upload answers 201 with {"filename", "size"} (size in bytes)."""
    name = f"created-{RUN}.png"
    assert_created(upload(client, name, BINARY), name, len(BINARY))


@pytest.mark.points(2)
def test_allowed_extensions(client):
    """Every allowed extension (txt, pdf, png, jpg, jpeg, gif) is accepted."""
    for ext in ["txt", "pdf", "png", "jpg", "jpeg", "gif"]:
        name = f"allowed-{RUN}.{ext}"
        content = f"content of {name}".encode()
        assert_created(upload(client, name, content), name, len(content))


@pytest.mark.points(1)
def test_extensions_case_insensitive(client):
    """Extensions are checked case-insensitively (photo.JPG is accepted)."""
    for ext in ["TXT", "Pdf", "PNG", "JpG", "JPEG", "gIF"]:
        name = f"upper-{RUN}.{ext}"
        content = f"content of {name}".encode()
        assert_created(upload(client, name, content), name, len(content))


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["shell.php", "archive.tar.gz", "notes.txt.exe"])
def test_rejects_disallowed_extension(client, name):
    """Other extensions are refused with 400 or 415 and a JSON `error`."""
    response = upload(client, f"rejected-{RUN}-{name}", b"not allowed")
    assert_json_error(response, (400, 415))


@pytest.mark.points(1)
def test_rejects_name_without_extension(client):
    """A name without an extension is refused with 400 or 415 and a JSON `error`."""
    for name in [f"README-{RUN}", "txt"]:
        response = upload(client, name, b"no extension")
        assert_json_error(response, (400, 415))


@pytest.mark.points(1)
@pytest.mark.parametrize("how", ["other_field_name", "no_body", "plain_form_field"])
def test_missing_file_field(client, how):
    """A request without a `file` field answers 400 with a JSON `error`."""
    if how == "other_field_name":
        response = upload(client, f"other-field-{RUN}.txt", b"hello", field="document")
    elif how == "no_body":
        response = client.post("/upload")
    else:
        response = client.post("/upload", data={"file": f"form-{RUN}.txt"})
    assert_json_error(response, (400,))


@pytest.mark.points(1)
def test_empty_filename(client):
    """A file part with an empty filename answers 400 with a JSON `error`."""
    response = upload(client, "", b"a file without a name")
    assert_json_error(response, (400,))


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "original, stored",
    [
        ("my report {run}.txt", "my_report_{run}.txt"),
        ("../../etc/evil-{run}.txt", "etc_evil-{run}.txt"),
        ("résumé-{run}.pdf", "resume-{run}.pdf"),
    ],
    ids=["spaces", "directories", "accents"],
)
def test_secure_filename(client, original, stored):
    """The stored name is secure_filename(original) and is served under that name."""
    original, stored = original.format(run=RUN), stored.format(run=RUN)
    content = f"stored as {stored}".encode()
    assert_created(upload(client, original, content), stored, len(content))
    response = client.get(f"/uploads/{stored}")
    assert response.status == 200, f"GET /uploads/{stored}: " + response.describe()
    assert response.content == content, f"GET /uploads/{stored}: " + response.describe()


@pytest.mark.points(2)
def test_download_returns_same_bytes(client):
    """GET /uploads/<filename> answers 200 with the uploaded bytes (binary included)."""
    name = f"roundtrip-{RUN}.gif"
    assert_created(upload(client, name, BINARY), name, len(BINARY))
    response = client.get(f"/uploads/{name}")
    assert response.status == 200, response.describe()
    assert response.content == BINARY, "the content differs from the upload: " + response.describe()


@pytest.mark.points(1)
def test_unknown_file_404(client):
    """GET /uploads/<name> for a name never uploaded answers 404."""
    response = client.get(f"/uploads/never-uploaded-{RUN}.txt")
    assert response.status == 404, response.describe()


@pytest.mark.points(2)
def test_body_over_1mib_413(client):
    """A request body over 1 MiB (1,048,576 bytes) answers 413."""
    for size in [3 * MIB // 2, 2 * MIB]:
        response = upload(client, f"too-big-{size}-{RUN}.txt", b"x" * size)
        assert response.status == 413, f"{size}-byte file: " + response.describe()


@pytest.mark.points(1)
def test_half_mib_file_accepted(client):
    """A 512 KiB file is accepted and served back intact."""
    name = f"half-mib-{RUN}.pdf"
    content = (b"%PDF" + bytes(range(256)) * 2048)[: 512 * KIB]
    assert_created(upload(client, name, content), name, 512 * KIB)
    response = client.get(f"/uploads/{name}")
    assert response.status == 200, response.describe()
    assert response.content == content, "the content differs from the upload: " + response.describe()


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "path",
    [
        "/uploads/" + "../" * UP + "etc/passwd",
        "/uploads/" + "..%2F" * UP + "etc%2Fpasswd",
        "/uploads/" + "%2e%2e%2f" * UP + "etc%2fpasswd",
        "/uploads/" + "%2e%2e/" * UP + "etc/passwd",
    ],
    ids=["dot-dot", "encoded-slash", "encoded-all", "encoded-dots"],
)
def test_no_path_traversal(client, path):
    """GET /uploads/... never serves a file outside the upload folder (here /etc/passwd)."""
    response = client.get(path)
    leaked = response.status == 200 and b"root:" in response.content
    assert not leaked, f"GET {path} served /etc/passwd: " + response.describe()
