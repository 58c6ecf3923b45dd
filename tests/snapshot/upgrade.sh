#!/usr/bin/env bash
# tests/snapshot/upgrade.sh OLD_TREE — a disk the hypervisor of an older
# build (OLD_TREE: a checkout built with `make all`, e.g. of the last
# commit with store format version 1) wrote, booted by this build: it must
# restore that generation, go on committing (version 3 from then on), verify,
# and the older snapctl must refuse the upgraded store by its version.
# Not in `make test` (it needs the older build); about 60 s of Bochs.
# Ends with "N passed, N failed".
set -u
OLD=$(cd "${1:?usage: upgrade.sh OLD_TREE}" && pwd)
NEW=$(cd "$(dirname "$0")/../.." && pwd)
export AMBER_TEST_DIR=$NEW/build/integ-upgrade
rm -rf "$AMBER_TEST_DIR"; mkdir -p "$AMBER_TEST_DIR"
D=$AMBER_TEST_DIR/up.img
. "$OLD/tests/integ/lib.sh"
engine_start up-old --engine bochs --disk "$D" --timeout 200 --cmdline "format guest=counter"
check "old build counts" wait_for up-old '^count=5$' 90
engine_kill up-old
lastold=$(grep -E '^count=[0-9]+$' "$T/up-old.serial" | tail -1)
echo "    old build's last line: $lastold"
check "old store is version 1" bash -c "$NEW/build/tools/snapctl ls '$D' --json | grep -q '\"version\": 1'"
TOP=$NEW
engine_start up-new --engine bochs --disk "$D" --timeout 200 --cmdline "guest=counter"
check "new build restores the version 1 generation" wait_for up-new '^amber: restored gen=' 90
check "integrity" wait_for up-new '^integrity (ok|FAIL)' 90
check "integrity ok" grep -q '^integrity ok' "$T/up-new.serial"
check "new build commits" wait_for up-new '^amber: snapshot gen=[0-9]+ committed' 60
sleep 3
engine_kill up-new
grep -E '^resumed|^amber: restored' "$T/up-new.serial" | head -3 | sed 's/^/    /'
check "store is version 3 now" bash -c "$NEW/build/tools/snapctl ls '$D' --json | grep -q '\"version\": 3'"
check "verify" $NEW/build/tools/snapctl verify "$D"
check "old snapctl refuses it by version" bash -c "$OLD/build/tools/snapctl ls '$D' 2>&1 | grep -q 'unsupported store format version'"
finish
