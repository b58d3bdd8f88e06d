#!/usr/bin/env bash
# Quick start, command 2 (and what CI runs): set everything up, then run the
# project's whole test suite, real-Docker tests included.
#
# The suite runs on GRADER_TEST_WORKERS pytest-xdist workers (default 2, one per core:
# with 4, the red-team cases that exhaust a limit changed verdict under the load the
# workers made themselves; see README, Development).
# --dist loadgroup keeps each xdist_group on one worker (tests/conftest.py says which
# and why); --no-loadscope-reorder keeps the conftest's order, longest units first
# (xdist's own reorder sorts them by their number of tests instead). Extra arguments
# go to pytest; `-n 0` runs everything in one process.
# pytest's exit status is the script's: a failed test on any worker fails the run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all
say "running the test suite"
cd "$ROOT"
# A temporary folder of this run's own, removed with `rm -rf` at the end: a test
# interrupted in the middle can leave a tree 1,100 folders deep, which pytest's
# clean-up of old /tmp/pytest-of-* runs (shutil.rmtree, recursive) cannot remove.
BASETEMP="$(mktemp -d "${TMPDIR:-/tmp}/grader-tests.XXXXXX")"
trap 'rm -rf "$BASETEMP"' EXIT
# One line about the machine at the end (where CI shows its output's tail): a run
# much slower than the README's suite time can then be told apart from a slow machine.
machine() {
  echo "cores $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), checkout on $(df -PT "$ROOT" | awk 'NR==2 {print $2}'), temp on $(df -PT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}'), docker $(docker info --format '{{.Driver}}' 2>/dev/null || echo '?'), a fixed Python loop in $("$VENV/bin/python" -c 'import time; t = time.perf_counter(); sum(range(10**7)); print(f"{time.perf_counter() - t:.2f}")') s"
}
# Where the CPU went (the suite is bound by it): the machine's busy time, and the part of
# it spent inside sandbox containers (their cgroup's counter keeps removed containers' time).
busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
in_containers() {  # nanoseconds (cgroup v1, or v2 with the cgroupfs driver; else 0)
  if [ -r /sys/fs/cgroup/cpuacct/docker/cpuacct.usage ]; then cat /sys/fs/cgroup/cpuacct/docker/cpuacct.usage
  elif [ -r /sys/fs/cgroup/docker/cpu.stat ]; then awk '/^usage_usec/ {print $2 "000"}' /sys/fs/cgroup/docker/cpu.stat
  else echo 0; fi
}
BEFORE="$(machine)"
BUSY=$(busy)
CONTAINERS=$(in_containers)
STARTED=$SECONDS
status=0
"$VENV/bin/python" -m pytest -n "${GRADER_TEST_WORKERS:-2}" --dist loadgroup --no-loadscope-reorder --basetemp "$BASETEMP" "$@" || status=$?
CPU="$(( ($(busy) - BUSY) / $(getconf CLK_TCK) )) CPU-s busy, $(( ($(in_containers) - CONTAINERS) / 1000000000 )) of them in sandbox containers"
echo "the suite took $((SECONDS - STARTED)) s ($CPU); before: $BEFORE; after: $(machine)"
exit "$status"
