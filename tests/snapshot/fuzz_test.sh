#!/usr/bin/env bash
# A short fuzz run for `make test` (the long one is `make fuzz`).
exec "$(dirname "$0")/fuzz.sh" "${SNAP_FUZZ_TEST_SECONDS:-20}"
