#!/usr/bin/env bash
# A 10-second fuzz run of the control protocol for `make test`.
# make test replays one fixed seed, so CI does not pass or fail by chance;
# `make fuzz` draws a new one each run (FUZZ_SEED=0).
export FUZZ_SEED=${FUZZ_SEED:-1}
exec "$(dirname "$0")/fuzz_ctl.sh" "${CTL_FUZZ_TEST_SECONDS:-10}"
