#!/usr/bin/env bash
# Quick start, command 2 (and what CI runs): set everything up, then run the
# project's whole test suite, real-Docker tests included.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
say "running the test suite"
cd "$ROOT"
"$VENV/bin/python" -m pytest "$@"
