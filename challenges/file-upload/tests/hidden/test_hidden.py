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


def multipart_body(total, filename):
    """A multipart body of exactly `total` bytes holding one file; returns (body, file content, headers)."""
    boundary = f"grader-{RUN}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    content = (bytes(range(256)) * (total // 256 + 1))[: total - len(head) - len(tail)]
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return head + content + tail, content, headers


def allowed(response):
    """The methods an `Allow` header lists, upper-cased."""
    header = response.headers.get("Allow") or ""
    return {method.strip().upper() for method in header.split(",") if method.strip()}


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
@pytest.mark.promises("created")
def test_upload_returns_201_with_filename_and_size(client):
    """POST /upload answers 201 with {"filename", "size"} (size in bytes)."""
    name = f"created-{RUN}.png"
    assert_created(upload(client, name, BINARY), name, len(BINARY))


@pytest.mark.points(2)
@pytest.mark.promises("extensions", "created")
def test_allowed_extensions(client):
    """Every allowed extension (txt, pdf, png, jpg, jpeg, gif) is accepted."""
    for ext in ["txt", "pdf", "png", "jpg", "jpeg", "gif"]:
        name = f"allowed-{RUN}.{ext}"
        content = f"content of {name}".encode()
        assert_created(upload(client, name, content), name, len(content))


@pytest.mark.points(1)
@pytest.mark.promises("any-case")
def test_extensions_case_insensitive(client):
    """Extensions are checked case-insensitively (photo.JPG is accepted)."""
    for ext in ["TXT", "Pdf", "PNG", "JpG", "JPEG", "gIF"]:
        name = f"upper-{RUN}.{ext}"
        content = f"content of {name}".encode()
        assert_created(upload(client, name, content), name, len(content))


@pytest.mark.points(1)
@pytest.mark.promises("bad-extension")
@pytest.mark.parametrize("name", ["shell.php", "archive.tar.gz", "notes.txt.exe"])
def test_rejects_disallowed_extension(client, name):
    """Other extensions are refused with 400 or 415 and a JSON `error`."""
    response = upload(client, f"rejected-{RUN}-{name}", b"not allowed")
    assert_json_error(response, (400, 415))


@pytest.mark.points(1)
@pytest.mark.promises("bad-extension")
def test_rejects_name_without_extension(client):
    """A name without an extension is refused with 400 or 415 and a JSON `error`."""
    for name in [f"README-{RUN}", "txt"]:
        response = upload(client, name, b"no extension")
        assert_json_error(response, (400, 415))


@pytest.mark.points(1)
@pytest.mark.promises("missing-file")
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
@pytest.mark.promises("empty-filename")
def test_empty_filename(client):
    """A file part with an empty filename answers 400 with a JSON `error`."""
    response = upload(client, "", b"a file without a name")
    assert_json_error(response, (400,))


@pytest.mark.points(1)
@pytest.mark.promises("secure-name", "download")
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
@pytest.mark.promises("download")
def test_download_returns_same_bytes(client):
    """GET /uploads/<filename> answers 200 with the uploaded bytes (binary included)."""
    name = f"roundtrip-{RUN}.gif"
    assert_created(upload(client, name, BINARY), name, len(BINARY))
    response = client.get(f"/uploads/{name}")
    assert response.status == 200, response.describe()
    assert response.content == BINARY, "the content differs from the upload: " + response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("download-404")
def test_unknown_file_404(client):
    """GET /uploads/<name> for a name never uploaded answers 404."""
    response = client.get(f"/uploads/never-uploaded-{RUN}.txt")
    assert response.status == 404, response.describe()


@pytest.mark.points(2)
@pytest.mark.promises("size-limit")
def test_body_over_1mib_413(client):
    """A request body over 1 MiB (1,048,576 bytes) answers 413."""
    for size in [3 * MIB // 2, 2 * MIB]:
        response = upload(client, f"too-big-{size}-{RUN}.txt", b"x" * size)
        assert response.status == 413, f"{size}-byte file: " + response.describe()


@pytest.mark.points(2)
@pytest.mark.promises("size-limit")
def test_body_limit_is_1mib(client):
    """A body of 1,048,575 bytes is accepted; one of 1,048,577 bytes answers 413."""
    name = f"just-under-1mib-{RUN}.txt"
    body, _, headers = multipart_body(MIB - 1, name)
    assert len(body) == MIB - 1
    response = client.post("/upload", data=body, headers=headers)
    # what a created upload answers is checked elsewhere: here only that it is not refused
    assert 200 <= response.status < 300, f"a body of 1,048,575 bytes: {response.describe()}"
    body, _, headers = multipart_body(MIB + 1, f"one-byte-over-{RUN}.txt")
    assert len(body) == MIB + 1
    response = client.post("/upload", data=body, headers=headers)
    assert response.status == 413, f"a body of 1,048,577 bytes: {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("size-limit", "download")
def test_half_mib_file_accepted(client):
    """A 512 KiB file is accepted and served back intact."""
    name = f"half-mib-{RUN}.pdf"
    content = (b"%PDF" + bytes(range(256)) * 2048)[: 512 * KIB]
    assert_created(upload(client, name, content), name, 512 * KIB)
    response = client.get(f"/uploads/{name}")
    assert response.status == 200, response.describe()
    assert response.content == content, "the content differs from the upload: " + response.describe()


@pytest.mark.points(1)
@pytest.mark.promises("no-traversal")
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


# --- HTTP rules ----------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.promises("methods")
def test_other_methods_405(client):
    """Methods a URL does not list answer 405 with an Allow header naming the one it lists."""
    name = f"methods-{RUN}.txt"
    upload(client, name, b"methods")  # the upload itself is checked by other tests
    urls = [("/upload", "POST"), (f"/uploads/{name}", "GET")]
    for path, listed in urls:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            if method == listed:
                continue
            response = client.request(method, path)
            sent = f"{method} {path}"
            assert response.status == 405, f"{sent}: {response.describe()}"
            methods = allowed(response)
            assert listed in methods and method not in methods, (
                f"{sent}: the Allow header must list {listed} (and not {method}): {response.describe()}"
            )


@pytest.mark.points(1)
@pytest.mark.promises("unknown-url")
def test_unknown_urls_404(client):
    """URLs the statement does not describe answer 404: siblings, deeper paths, extra segments."""
    name = f"unknown-urls-{RUN}.txt"
    upload(client, name, b"unknown")  # the upload itself is checked by other tests
    for path in ["/nope", "/uploads", "/uploads/", "/upload/x", f"/uploads/{name}/x", f"/files/{name}"]:
        response = client.get(path)
        assert response.status == 404, f"GET {path}: {response.describe()}"


@pytest.mark.points(1)
@pytest.mark.promises("safe-get")
def test_get_changes_nothing(client):
    """Repeated GETs of a stored file, and of an unknown name, answer the same each time."""
    name = f"safe-get-{RUN}.txt"
    upload(client, name, b"unchanged")  # the upload itself is checked by other tests
    paths = [f"/uploads/{name}", f"/uploads/never-{RUN}.txt"]
    first = [(client.get(p).status, client.get(p).content) for p in paths]
    for path in paths:
        client.get(path)
    again = [(client.get(p).status, client.get(p).content) for p in paths]
    assert again == first, f"the answers changed after more GETs: {first} -> {again}"
    assert first[0] == (200, b"unchanged"), f"GET /uploads/{name} after GETs: {first[0]}"
