#!/usr/bin/env bash
# A short fuzz run for `make test` (the long one is `make fuzz`).
# make test replays one fixed seed, so CI does not pass or fail by chance;
# `make fuzz` draws a new one each run (FUZZ_SEED=0).
export FUZZ_SEED=${FUZZ_SEED:-1}
exec "$(dirname "$0")/fuzz.sh" "${SNAP_FUZZ_TEST_SECONDS:-20}"
