#!/usr/bin/env bash
# The bounded phc fuzz run of `make test` (10 seconds).
exec "$(dirname "$0")/fuzz.sh" 10 "${1:-build}"
