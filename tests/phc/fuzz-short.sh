#!/usr/bin/env bash
# The bounded phc fuzz run of `make test` (10 seconds).
# make test replays one fixed seed, so CI does not pass or fail by chance;
# `make fuzz` draws a new one each run (FUZZ_SEED=0).
export FUZZ_SEED=${FUZZ_SEED:-1}
exec "$(dirname "$0")/fuzz.sh" 10 "${1:-build}"
