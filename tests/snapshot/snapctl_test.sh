#!/usr/bin/env bash
# tests/snapshot/snapctl_test.sh — snapctl end to end on real image files:
# every verb, its exit codes, and what it does with bad input (non-store
# images, damaged images, damaged and truncated streams, bad flags).
# Ends with "N passed, N failed".
set -u
S=${SNAPCTL:-build/tools/snapctl}
S=$(cd "$(dirname "$S")" && pwd)/$(basename "$S")
FIXTURES=$(cd "$(dirname "$0")" && pwd)/fixtures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0; fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect CODE NAME CMD...: runs CMD, checks its exit status
expect() {
	local want=$1 name=$2; shift 2
	"$@" >out.txt 2>err.txt
	local got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "$name: exit $got, want $want"; sed 's/^/  | /' err.txt | head -5
	fi
}
# has FILE TEXT NAME: FILE contains TEXT
has() { if grep -q -- "$2" "$1"; then ok; else bad "$3: no '$2' in $1"; sed 's/^/  | /' "$1" | head -5; fi; }
same() { if cmp -s "$1" "$2"; then ok; else bad "$3: $1 and $2 differ"; fi; }
# page N of file F gets a recognisable pattern TAG
mark_page() {
	local f=$1 n=$2 tag=$3
	yes "$tag" | head -c 4096 | dd of="$f" bs=4096 seek="$n" conv=notrunc status=none
}
# block number holding the first copy of TAG in an image
block_of() { LC_ALL=C grep -obUa -m1 "$2" "$1" | head -1 | cut -d: -f1 | awk '{print int($1/4096)}'; }
flip_byte() { # file byte-offset
	local b; b=$(dd if="$1" bs=1 skip="$2" count=1 status=none | od -An -tu1 | tr -d ' ')
	printf "$(printf '\\%03o' $(( (b ^ 0x10) & 255 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# --- help and usage ---------------------------------------------------------
expect 0 "--help" "$S" --help
has out.txt "exit status" "--help lists exit codes"
for v in format ls verify cat commit export import send recv diff pin unpin drop gc; do
	expect 0 "$v --help" "$S" "$v" --help
	has out.txt "usage: snapctl $v" "$v --help"
done
expect 2 "no verb" "$S"
expect 2 "unknown verb" "$S" frobnicate
expect 2 "unknown flag" "$S" ls --frob img
expect 2 "missing argument" "$S" ls
expect 2 "bad generation" "$S" cat img -g x -o r
expect 2 "bad keep" "$S" format img --size 1M --keep 1
expect 2 "bad size" "$S" format img --size 12Q

# --- format -----------------------------------------------------------------
expect 6 "format missing file without --size" "$S" format none.img
expect 0 "format" "$S" format a.img --size 32M
expect 4 "format over a store" "$S" format a.img
has err.txt "already holds an Amber store" "format refusal message"
expect 0 "format --force" "$S" format a.img --force
expect 2 "format: too small" "$S" format tiny.img --size 8K
head -c 1M /dev/urandom > junk.img
cp junk.img junk.orig
expect 4 "ls on a non-store" "$S" ls junk.img
has err.txt "not an Amber snapshot store" "non-store message"
dd if=/dev/urandom of=raw0 bs=4096 count=8 status=none
expect 4 "commit to a non-store" "$S" commit junk.img raw0
expect 4 "recv into a non-store" "$S" gc junk.img
same junk.img junk.orig "non-store image untouched"

# --- format never destroys data without --force (issue 9) ----------------------
# probe before touching: an existing store is not truncated by --size first
cp a.img a.keep
expect 4 "format --size over a store" "$S" format a.img --size 64M
has err.txt "already holds an Amber store" "format --size refusal message"
same a.img a.keep "store byte-identical after a refused format --size"
expect 4 "format --size (same size) over a store" "$S" format a.img --size 32M
same a.img a.keep "store byte-identical after a refused format --size (same size)"
# a file of other data is refused and named, with and without --size
head -c 10M /dev/urandom > rnd.img
cp rnd.img rnd.orig
expect 4 "format over 10 MiB of random data" "$S" format rnd.img
has err.txt "rnd.img holds 10485760 bytes of data that is not an Amber store" "format names the file and what it holds"
same rnd.img rnd.orig "random file untouched by a refused format"
expect 4 "format --size over random data" "$S" format rnd.img --size 32M
same rnd.img rnd.orig "random file untouched by a refused format --size"
expect 0 "format --force over random data" "$S" format rnd.img --force
expect 0 "the forced format is a store" "$S" ls rnd.img
# empty and all-zero (sparse) files hold nothing: no --force needed
: > empty.img
expect 0 "format --size an empty file" "$S" format empty.img --size 16M
truncate -s 16M sparse.img
expect 0 "format a sparse zero file" "$S" format sparse.img
# a new image appears whole or not at all, and nothing is left behind
expect 2 "format --size too small for a new file" "$S" format new-tiny.img --size 8K
[ ! -e new-tiny.img ] && ok || bad "no file left by a failed format of a new image"
ls -A | grep -q '^\.snapctl-out' && bad "temporary files left behind" || ok

# --- commit, cat, ls, verify --------------------------------------------------
dd if=/dev/urandom of=raw1 bs=4096 count=2048 status=none
dd if=/dev/zero of=raw1 bs=4096 seek=100 count=300 conv=notrunc status=none
cp raw1 raw2
for p in 10 11 12 500 1500; do mark_page raw2 $p "AMBER-PAGE-$p"; done
echo "vcpu state" > state2
expect 0 "commit 1" "$S" commit a.img raw1
has out.txt "committed generation 1" "commit message"
expect 0 "commit 2" "$S" commit a.img raw2 --state state2
has out.txt "5 dirty" "commit writes only changed pages"
expect 2 "commit: not a page multiple" "$S" commit a.img state2
expect 0 "ls" "$S" ls a.img
has out.txt "2048" "ls pages"
expect 0 "ls --json" "$S" ls a.img --json
has out.txt '"dirty_pages": 5' "ls --json dirty"
if command -v python3 >/dev/null; then
	cp out.txt ls.json
	expect 0 "ls --json parses" python3 -m json.tool ls.json
fi
expect 0 "verify" "$S" verify a.img
has out.txt "no damage" "verify clean"
expect 0 "verify --json" "$S" verify a.img --json
has out.txt '"damaged": 0' "verify --json"
expect 0 "cat 1" "$S" cat a.img -g 1 -o out1
same out1 raw1 "cat 1 byte for byte"
expect 0 "cat newest" "$S" cat a.img -o out2 --state st2
same out2 raw2 "cat 2 byte for byte"
same st2 state2 "state blob"
expect 1 "cat missing generation" "$S" cat a.img -g 9 -o x
has err.txt "generation 9" "missing generation named"
[ ! -e x ] && ok || bad "no output file for a failed cat"
expect 0 "diff" "$S" diff a.img 1 2
[ "$(wc -l < out.txt)" -eq 5 ] && ok || bad "diff lists 5 pages"
expect 0 "diff --json" "$S" diff a.img 1 2 --json
has out.txt '"count": 5' "diff --json count"

# --- export / import, send / recv ------------------------------------------
expect 0 "export" "$S" export a.img -g 2 -o s2
expect 0 "format b" "$S" format b.img --size 32M
expect 0 "import" "$S" import s2 b.img
expect 0 "cat imported" "$S" cat b.img -o out3
same out3 raw2 "commit-export-import-cat byte for byte"
"$S" send a.img -g 1 > full1 2>/dev/null && ok || bad "send full"
"$S" send a.img -i 1 -g 2 > inc12 2>/dev/null && ok || bad "send -i"
sz=$(stat -c %s inc12)
[ "$sz" -lt $((6 * 4200)) ] && ok || bad "send -i carries only changed pages ($sz bytes)"
expect 0 "format c" "$S" format c.img --size 32M
expect 5 "recv incremental without base" sh -c "'$S' recv c.img < inc12"
has err.txt "base generation" "missing base named"
cp full1 damaged
flip_byte damaged 3000000
expect 5 "recv damaged stream" sh -c "'$S' recv c.img < damaged"
has err.txt "offset" "damaged stream offset named"
head -c 5000000 full1 > truncated
expect 5 "recv truncated stream" sh -c "'$S' recv c.img < truncated"
expect 0 "ls after refused streams" "$S" ls c.img --json
has out.txt '"generations": \[\]' "target unchanged after refused streams"
expect 0 "recv full" sh -c "'$S' recv c.img < full1"
cp inc12 inc_damaged
flip_byte inc_damaged 9000
expect 5 "recv damaged incremental" sh -c "'$S' recv c.img < inc_damaged"
expect 0 "recv incremental" sh -c "'$S' recv c.img < inc12"
expect 0 "cat received" "$S" cat c.img -o out4
same out4 raw2 "send | recv byte for byte"
expect 5 "recv same stream twice" sh -c "'$S' recv c.img < inc12"
expect 5 "import a non-stream" "$S" import raw1 c.img

# --- a version 1 store (issue 15) --------------------------------------------
# fixtures/v1-store.img.gz was made by the version 1 snapctl (commit
# 5b2e038) from these files: format --size 512K; commit raw1 --state
# state1; commit raw2 --state state2 (two state blocks); pin 1.
v1raw() { # FILE GEN: 16 pages
	: > "$1"
	for n in $(seq 0 15); do
		if [ $((n % 5)) -eq 4 ]; then head -c 4096 /dev/zero >> "$1"
		elif [ "$2" = 2 ] && { [ $n = 3 ] || [ $n = 9 ]; }; then yes "v1 g2 p$n" | head -c 4096 >> "$1"
		else yes "v1 g1 p$n" | head -c 4096 >> "$1"; fi
	done
}
v1raw v1raw1 1; v1raw v1raw2 2
yes "state one" | head -c 100 > v1state1
yes "state two, in two blocks" | head -c 5000 > v1state2
gunzip -c "$FIXTURES/v1-store.img.gz" > v1.img
expect 0 "v1: ls" "$S" ls v1.img --json
has out.txt '"version": 1' "v1: version 1 before any commit"
expect 0 "v1: verify" "$S" verify v1.img
expect 0 "v1: cat 1" "$S" cat v1.img -g 1 -o v1out1 --state v1st1
same v1out1 v1raw1 "v1: generation 1 pages"
same v1st1 v1state1 "v1: generation 1 state"
expect 0 "v1: cat 2" "$S" cat v1.img -g 2 -o v1out2 --state v1st2
same v1out2 v1raw2 "v1: generation 2 pages"
same v1st2 v1state2 "v1: generation 2 state (state blocks)"
"$S" send v1.img -g 2 > v1full 2>/dev/null && ok || bad "v1: send"
expect 0 "v1: format target" "$S" format v1c.img --size 1M
expect 0 "v1: recv" sh -c "'$S' recv v1c.img < v1full"
expect 0 "v1: cat received" "$S" cat v1c.img -o v1out3 --state v1st3
same v1out3 v1raw2 "v1: send | recv pages"
same v1st3 v1state2 "v1: send | recv state"
# the next commits write version 2 beside it; gc frees nothing reachable
expect 0 "v1: commit on it" "$S" commit v1.img v1raw1 --state v1state1
expect 0 "v1: ls after commit" "$S" ls v1.img --json
has out.txt '"version": 3' "v1: version 3 after a commit"
expect 0 "v1: gc" "$S" gc v1.img
expect 0 "v1: commit again" "$S" commit v1.img v1raw2 --state v1state2
expect 0 "v1: verify upgraded" "$S" verify v1.img
expect 0 "v1: cat pinned 1" "$S" cat v1.img -g 1 -o v1out1 --state v1st1
same v1out1 v1raw1 "v1: pinned generation 1 after the upgrade"
same v1st1 v1state1 "v1: pinned generation 1 state after the upgrade"
expect 0 "v1: cat newest" "$S" cat v1.img -o v1out4 --state v1st4
same v1out4 v1raw2 "v1: newest (version 2) pages"
same v1st4 v1state2 "v1: newest (version 2) state"
expect 0 "v1: unpin 1" "$S" unpin v1.img 1
expect 0 "v1: gc after drop" "$S" gc v1.img
expect 0 "v1: verify after drop" "$S" verify v1.img

# --- pin, unpin, gc -----------------------------------------------------------
expect 0 "pin" "$S" pin a.img 1
expect 0 "commit 3" "$S" commit a.img raw1
expect 0 "commit 4" "$S" commit a.img raw2
expect 0 "ls pinned" "$S" ls a.img --json
has out.txt '"gen": 1, .*"pinned": true' "pinned generation kept"
expect 1 "pin missing" "$S" pin a.img 2
expect 0 "unpin" "$S" unpin a.img 1
expect 1 "drop a healthy generation" "$S" drop a.img 3
has err.txt "verifies fine" "drop needs --force"
expect 0 "drop --force" "$S" drop a.img 3 --force
expect 1 "drop again" "$S" drop a.img 3
expect 0 "gc" "$S" gc a.img --json
has out.txt '"free"' "gc space"
expect 0 "gc --keep 3" "$S" gc a.img --keep 3
expect 0 "verify after gc" "$S" verify a.img

# --- damage ----------------------------------------------------------------
expect 0 "format d" "$S" format d.img --size 32M
expect 0 "d: commit 1" "$S" commit d.img raw1
expect 0 "d: commit 2" "$S" commit d.img raw2 --state state2
blk=$(block_of d.img AMBER-PAGE-500)
cp d.img d.orig
flip_byte d.img $((blk * 4096 + 777))
expect 3 "verify finds a flipped bit" "$S" verify d.img
has err.txt "generation 2, guest frame 500: data block $blk" "damage names generation, frame, block"
expect 3 "cat of a damaged generation fails" "$S" cat d.img -o outd
[ ! -e outd ] && ok || bad "no partial output after damage"
# an existing output survives a failed cat whole (it was opened O_TRUNC)
echo "precious" > keep.out
cp keep.out keep.orig
expect 3 "cat of a damaged generation over an existing file" "$S" cat d.img -o keep.out
same keep.out keep.orig "existing output untouched by a failed cat"
cp d.img d.dam
expect 4 "cat refuses to replace a store with its output" "$S" cat d.img -g 1 -o d.img
same d.img d.dam "cat -o IMAGE leaves the store as it was"
expect 0 "cat --fallback" "$S" cat d.img --fallback -o outd
has err.txt "fell back to generation 1" "fallback is announced"
same outd raw1 "fallback gives the previous generation"
expect 0 "verify -g 1 (undamaged)" "$S" verify d.img -g 1
# a misdirected write: another block's content lands on this page's block
cp d.orig d.img
b2=$(block_of d.img AMBER-PAGE-1500)
dd if=d.img of=d.img bs=4096 skip=$((b2)) seek=$((blk)) count=1 conv=notrunc status=none
expect 3 "verify finds a misdirected write" "$S" verify d.img
has err.txt "guest frame 500" "misdirected write named"
# a damaged state blob: neither the memory nor the state file appears
cp d.orig d.img
sblk=$(block_of d.img "vcpu state")
flip_byte d.img $((sblk * 4096 + 2))
expect 3 "cat --state with a damaged state blob" "$S" cat d.img -o outs --state sts
[ ! -e outs ] && [ ! -e sts ] && ok || bad "cat --state left a partial output behind"
ls -A | grep -q '^\.snapctl-out' && bad "temporary files left behind by cat" || ok
# a superblock copy: nothing lost, still reported
cp d.orig d.img
flip_byte d.img 20
expect 3 "verify reports a damaged superblock copy" "$S" verify d.img
expect 0 "reads still work with one copy" "$S" cat d.img -o oute
same oute raw2 "one superblock copy is enough"
# both copies of both slots: nothing to open
for off in 20 532 4116 4628; do flip_byte d.img $off; done
expect 3 "both superblocks damaged" "$S" ls d.img
expect 4 "format refuses a damaged store" "$S" format d.img

# --- a running Amber holds the lock (issue 9) -------------------------------
# amber-run takes snapctl's lock (flock on the image) for the engine's
# lifetime; a stand-in named amber-run does the same here.
printf '%s\n' '#!/usr/bin/env bash' \
	'exec {fd}<"$1"; flock -x "$fd"; : > "$1.held"' \
	'sleep 60 & trap "kill $!; exit" TERM; wait' > amber-run
chmod +x amber-run
expect 0 "live: format" "$S" format live.img --size 64M
dd if=/dev/urandom of=rawa bs=4096 count=2048 status=none
dd if=/dev/urandom of=rawb bs=4096 count=2048 status=none
expect 0 "live: commit a" "$S" commit live.img rawa
expect 0 "live: commit b" "$S" commit live.img rawb
rm -f live.img.held
./amber-run live.img & holder=$!
for _ in $(seq 100); do [ -e live.img.held ] && break; sleep 0.05; done
cp live.img live.orig
for verb in "commit live.img rawa" "pin live.img 2" "unpin live.img 2" \
	    "drop live.img 2 --force" "gc live.img" "format live.img --force"; do
	# shellcheck disable=SC2086
	expect 6 "refused while Amber runs: $verb" "$S" $verb
	has err.txt "live.img is in use by a running Amber (pid $holder)" "refusal names the running Amber: $verb"
done
expect 6 "recv refused while Amber runs" sh -c "'$S' recv live.img < full1"
same live.img live.orig "image byte-identical after the refusals"
expect 0 "ls while Amber runs" "$S" ls live.img
expect 0 "verify while Amber runs" "$S" verify live.img
expect 0 "cat while Amber runs" "$S" cat live.img -o livecat
same livecat rawb "cat while Amber runs reads the newest generation"
kill "$holder"; wait "$holder" 2>/dev/null
expect 0 "commit once Amber has stopped" "$S" commit live.img rawa

# read-only verbs on an image a writer commits to all the time: each commit
# rewrites every page and keep=2 drops generations at once, so blocks are
# freed and reused under the readers; they must never fail.
# The readers are slowed down (0.1 ms per block read) so that generations
# are dropped and overwritten while they read; the writer runs until the
# readers are done.
export SNAPCTL_TEST_READ_DELAY_US=100 SNAPCTL_TEST_LIVE_LOG=1
rm -f stop
( i=0; while [ ! -e stop ] && [ $i -lt 300 ]; do i=$((i + 1))
	"$S" commit -q live.img "$([ $((i % 2)) = 0 ] && echo rawa || echo rawb)" || echo "writer failed at $i"
  done > writer.log 2>&1 ) & writer=$!
live_bad=0 reads=0
: > readers.err
for reads in 1 2; do
	"$S" cat -q live.img -o livecat 2>>readers.err || { live_bad=$((live_bad + 1)); echo "cat failed" >> readers.err; }
	cmp -s livecat rawa || cmp -s livecat rawb || { live_bad=$((live_bad + 1)); echo "cat gave neither image" >> readers.err; }
	"$S" ls live.img >/dev/null 2>>readers.err || { live_bad=$((live_bad + 1)); echo "ls failed" >> readers.err; }
	"$S" verify -q live.img >/dev/null 2>>readers.err || { live_bad=$((live_bad + 1)); echo "verify failed" >> readers.err; }
	# an explicit generation may leave the store while it is exported:
	# that is said clearly (exit 1), never reported as damage
	g=$("$S" ls live.img --json | grep -o '"gen": [0-9]*' | head -1 | cut -d' ' -f2)
	"$S" export live.img -g "$g" -o live.stream 2>export.err; rc=$?
	cat export.err >> readers.err
	if [ $rc -ne 0 ] && ! { [ $rc -eq 1 ] && grep -q "left the store while it was being read" export.err; }; then
		live_bad=$((live_bad + 1)); echo "export -g $g: exit $rc" >> readers.err
	fi
done
touch stop
wait "$writer"
[ ! -s writer.log ] && ok || { bad "background writer failed"; head -3 writer.log; }
[ "$live_bad" -eq 0 ] && ok || { bad "$live_bad of $reads rounds of live reads failed"; sed 's/^/  | /' readers.err | head -8; }
unset SNAPCTL_TEST_READ_DELAY_US SNAPCTL_TEST_LIVE_LOG
echo "  live reads: $(grep -c 'was freed' readers.err) generations freed under a reader, writer committed $("$S" ls live.img --json | grep -o '"gen": [0-9]*' | head -1 | cut -d' ' -f2) generations"
expect 0 "verify after the live run" "$S" verify live.img

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
