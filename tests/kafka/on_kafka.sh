#!/usr/bin/env bash
# on_kafka.sh SCRIPT ARGS...: runs a CLI test script unchanged against the
# broker at $STOREMESH_TEST_KAFKA, on topics of its own: the same scenarios on
# both logs, not a copy of them. Exit 77 (skipped) without a broker.
set -euo pipefail
[ -n "${STOREMESH_TEST_KAFKA:-}" ] || { echo "STOREMESH_TEST_KAFKA unset: skipped"; exit 77; }
export STOREMESH_KAFKA="$STOREMESH_TEST_KAFKA"
export STOREMESH_TOPIC_PREFIX="t$$$RANDOM"
exec bash "$@"
