# Shared set-up steps for scripts/demo.sh and scripts/test.sh (sourced, not run).
# Each step is idempotent: it does nothing when its job is already done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${GRADER_VENV:-$ROOT/.venv}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

pg_bindir() {
  # The folder holding PostgreSQL's initdb and pg_ctl (newest version first), or exit status 1.
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$found" ] && [ -x "$found/initdb" ] && [ -x "$found/pg_ctl" ]; then echo "$found"; return 0; fi
  found="$(command -v initdb 2>/dev/null)" || return 1
  [ -x "$(dirname "$found")/pg_ctl" ] || return 1
  dirname "$found"
}

ensure_packages() {
  # docker.io for the engine, debootstrap for the offline image base, python3-venv for the venv,
  # chromium for the service's browser tests (Playwright drives it; never `playwright install`).
  # redis-server for the distributed executor's tests (a broker started by the tests on loopback).
  # postgresql for the service's PostgreSQL tests (a throw-away cluster started by the tests with
  # initdb/pg_ctl, which Debian keeps under /usr/lib/postgresql/<version>/bin, off the PATH).
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  pg_bindir >/dev/null || missing+=(postgresql)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} (Debian packages)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then return; fi
  ensure_packages
  say "starting the Docker engine (dockerd in the background, log in /tmp/grader-dockerd.log)"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    $SUDO systemctl start docker || true
  fi
  if ! docker info >/dev/null 2>&1; then
    $SUDO sh -c 'nohup dockerd >/tmp/grader-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 1
  done
  echo "error: the Docker engine did not start; see /tmp/grader-dockerd.log" >&2
  exit 3
}

ensure_venv() {
  if [ ! -x "$VENV/bin/grader" ] || [ "$ROOT/pyproject.toml" -nt "$VENV/.installed" ]; then
    ensure_packages
    say "installing flask-grader into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -e "$ROOT[dev]"
    touch "$VENV/.installed"
  fi
}

ensure_image() {
  say "building the sandbox image (cached after the first time)"
  "$VENV/bin/grader" sandbox build --base "${GRADER_IMAGE_BASE:-auto}"
}

# An editable install leaves the project's own package uncompiled, and where
# PYTHONDONTWRITEBYTECODE is set (this machine sets it) no Python writes its
# bytecode either: every grader command, and the launcher and runner in every
# sandbox container (the code is mounted read-only), would compile it again,
# about 0.3 s of CPU each. Compile it once, as `pip install .` does.
compile_package() {
  "$VENV/bin/python" -m compileall -q -j 0 "$ROOT/grader"
}

setup_all() {
  ensure_packages
  ensure_docker
  ensure_venv
  compile_package
  ensure_image
}
