#!/usr/bin/env bash
# tests/hv/mkiso.sh ISO HV_ELF GUEST_FILE PVM_FILE — a GRUB ISO like the
# real one (boot/grub.cfg), with the given files as the `guest` and `pvm`
# modules; for the hypervisor's integration tests.
set -eu
iso=$1 hv=$2 guest=$3 pvm=$4
root=$(mktemp -d "${TMPDIR:-/tmp}/amber-iso.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/boot/grub"
cp "$hv" "$root/boot/hv.elf"
cp "$guest" "$root/boot/guest.elf"
cp "$pvm" "$root/boot/pvm.img"
cp "$(dirname "$0")/../../boot/grub.cfg" "$root/boot/grub/grub.cfg"
grub-mkrescue -o "$iso" "$root" >"$root.log" 2>&1 || { cat "$root.log"; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
