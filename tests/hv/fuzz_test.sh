#!/usr/bin/env bash
# A short run of the hypercall fuzzer for `make test` (10 s; the long one is `make fuzz`).
exec "$(dirname "$0")/fuzz.sh" "${HV_FUZZ_TEST_SECONDS:-10}"
