# Shared by the phc test scripts: tools, the original sources, a temp dir.
build=${build:-build}
phc=$build/tools/phc
run=$build/tools/pvm-run
pc=${PHANTOM_PC:-../shared/phantom/pc}
ph=${PHANTOM_PH:-$(dirname "$pc")/ph}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The .internal.* interface classes of plib/roots/src (compiled once per run),
# as the original build does before the library: prints their folder.
phc_roots() {
	mkdir -p "$tmp/roots"
	"$phc" -o "$tmp/roots" -I "$pc" "$ph"/plib/roots/src/internal/*.ph > "$tmp/roots.err" 2>&1 || { cat "$tmp/roots.err" >&2; return 1; }
	echo "$tmp/roots"
}
