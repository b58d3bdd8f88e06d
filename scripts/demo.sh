#!/usr/bin/env bash
# Quick start, command 1: set everything up, then grade a sample submission in the
# Docker sandbox and show the result.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
say "grading examples/hello-world-submission with the hidden tests, in the Docker sandbox"
"$VENV/bin/grader" grade hello-world "$ROOT/examples/hello-world-submission" "$@"
