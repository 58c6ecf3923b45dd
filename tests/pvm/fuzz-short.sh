#!/usr/bin/env bash
# The bounded fuzz run of `make test` (20 seconds).
exec "$(dirname "$0")/fuzz.sh" 20 "${1:-build}"
