"""Build the sandbox image, with or without an image registry.

* ``python``: ``FROM python:3.11-slim``, the ordinary path for hosts with a
  registry.
* ``debian``: no registry at all (air-gapped hiring teams, this project's
  CI). The base is a Debian root filesystem made by ``debootstrap`` from
  Debian's package mirror and turned into an image with ``docker import``;
  it is cached as ``flask-grader-base:bookworm``.

In both cases Python packages are pinned in ``sandboxes/requirements.txt``,
fetched as wheels on the host with ``pip download`` and installed with
``--no-index``; the build runs with ``network_mode=none``.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ImageBuildError
from .docker import IMAGE, LABEL, connect

BASE_IMAGE_DEBIAN = "flask-grader-base:bookworm"
BASE_IMAGE_PYTHON = "python:3.11-slim"
SUITE = "bookworm"
BASES = ("auto", "python", "debian")
_PACKAGE = Path(__file__).resolve().parents[1]

Progress = Callable[[str], None]


def definition_dir() -> Path:
    """``sandboxes/`` in a checkout, or its copy packaged in a wheel."""
    packaged = _PACKAGE / "_data" / "sandboxes"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "sandboxes"


def definition_hash() -> str:
    """A hash of the image definition; recorded as a label on the image."""
    digest = hashlib.sha256()
    for name in ("Dockerfile", "requirements.txt"):
        digest.update((definition_dir() / name).read_bytes())
    return digest.hexdigest()[:16]


def _has_image(client: Any, name: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(name)
    except ImageNotFound:
        return False
    return True


def choose_base(client: Any, base: str) -> str:
    """Resolve ``auto``: a local official image if present, else the offline path."""
    if base != "auto":
        return base
    if _has_image(client, BASE_IMAGE_PYTHON):
        return "python"
    if shutil.which("debootstrap"):
        return "debian"
    return "python"


def _platform_tag() -> str:
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return f"manylinux2014_{arch}"


def download_wheels(target: Path, progress: Progress) -> None:
    """Fetch the pinned wheels for CPython 3.11 on Linux into ``target``."""
    progress("downloading pinned wheels with pip")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--no-deps",
        "--platform",
        _platform_tag(),
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
        "-d",
        str(target),
        "-r",
        str(definition_dir() / "requirements.txt"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ImageBuildError(
            f"could not download the sandbox's wheels: {last}",
            hint="check that PyPI (or your pip index) is reachable",
        )


def build_debian_base(client: Any, progress: Progress, *, rebuild: bool = False) -> None:
    """debootstrap a minimal bookworm with python3 and import it as a base image."""
    if not rebuild and _has_image(client, BASE_IMAGE_DEBIAN):
        progress(f"using cached base image {BASE_IMAGE_DEBIAN}")
        return
    if not shutil.which("debootstrap"):
        raise ImageBuildError(
            "debootstrap is not installed", hint="apt-get install debootstrap, or use --base python"
        )
    with tempfile.TemporaryDirectory(prefix="grader-rootfs-") as rootfs:
        progress("debootstrap: building a minimal Debian bookworm root filesystem (about a minute)")
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3,python3-venv", SUITE, rootfs],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["debootstrap failed"]
            raise ImageBuildError(f"debootstrap failed: {tail[0]}", hint="it needs root and a Debian mirror")
        progress(f"importing the root filesystem as {BASE_IMAGE_DEBIAN}")
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        try:
            _import(client, tar)
        finally:
            tar.wait()


def _import(client: Any, tar: subprocess.Popen[bytes]) -> None:
    """Stream ``tar`` into ``docker import`` through the API (no temporary file)."""
    from docker.errors import APIError

    assert tar.stdout is not None
    try:
        client.api.import_image_from_stream(tar.stdout, repository="flask-grader-base", tag=SUITE)
    except APIError as exc:
        raise ImageBuildError(f"docker import failed: {exc.explanation or exc}") from None


def build(base: str = "auto", progress: Progress = print, *, rebuild_base: bool = False) -> str:
    """Build ``flask-grader-sandbox:latest``; return the image id."""
    from docker.errors import APIError, BuildError

    if base not in BASES:
        raise ImageBuildError(f"unknown base {base!r}", hint=f"choose one of {', '.join(BASES)}")
    client = connect()
    chosen = choose_base(client, base)
    build_args = {"BASE": BASE_IMAGE_PYTHON, "PYTHON": "python3"}
    if chosen == "debian":
        build_debian_base(client, progress, rebuild=rebuild_base)
        build_args["BASE"] = BASE_IMAGE_DEBIAN
    with tempfile.TemporaryDirectory(prefix="grader-build-") as context:
        shutil.copy(definition_dir() / "Dockerfile", context)
        shutil.copy(definition_dir() / "requirements.txt", context)
        download_wheels(Path(context, "wheels"), progress)
        progress(f"building {IMAGE} from {build_args['BASE']}")
        try:
            image, logs = client.images.build(
                path=context,
                tag=IMAGE,
                buildargs=build_args,
                network_mode="none",
                rm=True,
                forcerm=True,
                pull=False,
                labels={LABEL: "1", f"{LABEL}.definition": definition_hash(), f"{LABEL}.base": chosen},
            )
        except BuildError as exc:
            tail = [str(entry.get("stream", "")).strip() for entry in exc.build_log][-3:]
            raise ImageBuildError(f"the image build failed: {exc.msg}; {' | '.join(tail)}") from None
        except APIError as exc:
            raise ImageBuildError(f"the image build failed: {exc.explanation or exc}") from None
        for entry in logs:
            line = str(entry.get("stream", "")).strip()
            if line.startswith("Step "):
                progress(line)
    return str(image.id)
