#!/usr/bin/env bash
# tests/integ/tiers.sh — the three dirty-tracking tiers (dirty=pml, ad, wp)
# give byte-identical generations for a deterministic guest workload
# (guest=workload: four rounds of writes, each ending in a requested
# snapshot), compared with `snapctl cat`; every disk verifies. console=direct:
# held output would bring captures forward at moments that differ by tier.
# TIERS_CPUS=2: the same with the writer on a second CPU (tests/integ/smp-tiers).
. "$(dirname "$0")/lib.sh"
SNAPCTL=$TOP/build/tools/snapctl
CPUS=${TIERS_CPUS:-1}
for t in pml ad wp; do
	rm -f "$T/tier-$t.img"
	engine_start "tier-$t" --engine bochs --cpus "$CPUS" --disk "$T/tier-$t.img" --timeout 180 \
		--cmdline "format guest=workload snap_ms=600000 dirty=$t console=direct cpus=$CPUS"
	check "$t: tracking tier in use" wait_for "tier-$t" "^amber: snapshots: .*dirty tracking $t" 60
	check "$t: workload done, 4 durable generations" wait_for "tier-$t" '^workload: done' 120
	check "$t: round 4 in generation 4, waited" grep -q '^workload: round 4 in generation 4 (wait 0)' "$T/tier-$t.serial"
	engine_kill "tier-$t"
	check "$t: snapctl verify" "$SNAPCTL" verify "$T/tier-$t.img"
	for g in 1 2 3 4; do
		"$SNAPCTL" cat "$T/tier-$t.img" -g $g -o "$T/tier-$t-$g.raw" >/dev/null 2>&1
	done
done
for g in 1 2 3 4; do
	check "generation $g: pml = ad" cmp "$T/tier-pml-$g.raw" "$T/tier-ad-$g.raw"
	check "generation $g: pml = wp" cmp "$T/tier-pml-$g.raw" "$T/tier-wp-$g.raw"
done
check "generations differ from each other (the workload did write)" bash -c "! cmp -s '$T/tier-pml-1.raw' '$T/tier-pml-4.raw'"
rm -f "$T"/tier-*.raw
finish
