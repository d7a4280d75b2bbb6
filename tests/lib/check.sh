# shellcheck shell=bash
# How a test script reports: `check WHAT` heads a step on stdout; `fail WHY` ends the script (exit 1) with
# "FAIL: WHY" on stderr, and its EXIT trap cleans up. A script with logs worth showing on a failure (the last
# lines of its processes' logs) defines its own fail() after sourcing this one.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
check() { echo "-- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
