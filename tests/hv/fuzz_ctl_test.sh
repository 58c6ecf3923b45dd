#!/usr/bin/env bash
# A 10-second fuzz run of the control protocol for `make test`.
exec "$(dirname "$0")/fuzz_ctl.sh" "${CTL_FUZZ_TEST_SECONDS:-10}"
