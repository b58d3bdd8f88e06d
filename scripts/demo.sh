#!/usr/bin/env bash
# Quick start, command 1: set everything up, then grade a sample submission in the
# Docker sandbox and show the result. The sample has one deliberate bug, so the
# verdict is FAILED; the script still succeeds when grading itself worked
# (grader exit 0 or 1) and fails on bad input (2) or a broken set-up (3).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
say "grading examples/hello-world-submission with the hidden tests, in the Docker sandbox"
status=0
"$VENV/bin/grader" grade hello-world "$ROOT/examples/hello-world-submission" "$@" || status=$?
if [ "$status" -le 1 ]; then
  say "graded (grader exit code $status: 0 all passed, 1 not all passed). Try: $VENV/bin/grader start hello-world"
  exit 0
fi
exit "$status"
