/*
 * tests/hv/fuzz_hcall.c — libFuzzer target for the hypercall dispatcher
 * (vdev/hcall.c) over a simulated guest RAM of 64 KiB.
 *
 * Input: one byte c, then up to c calls of 8 bytes of number and five
 * 8-byte arguments each (folded so that most land near the edges of the
 * valid ranges), then the guest's memory (a pattern where the input ends).
 * Calls come first so that short inputs, where libFuzzer starts, run them. Invariants checked after every call:
 *   - nothing crashes (ASan/UBSan), the dispatcher returns VDEV_RUN or VDEV_STOP;
 *   - guest RAM changes only through copy_out, only by the calls that write
 *     (CONSOLE_READ, SNAP_STATUS, STATS), only inside the range the call
 *     names ([a0, a0 + len) with len its length argument or struct size),
 *     and every copy stays inside RAM;
 *   - copy_in reads only inside RAM; console output never exceeds
 *     VDEV_CONSOLE_MAX and equals the named guest bytes;
 *   - a refused call (negative, not EAGAIN/ESTALE) is counted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdev/vdev_hv.h"

#define RAM_BYTES (64u << 10)

static uint8_t ram[RAM_BYTES], shadow[RAM_BYTES];
static uint64_t allow_gpa, allow_len; /* what the current call may write */
static int64_t cur_nr;
static uint64_t cur_a[5];
static size_t out_total;

static void die(const char *why)
{
	fprintf(stderr, "fuzz_hcall: invariant broken: %s (call %lld)\n", why, (long long)cur_nr);
	__builtin_trap();
}

static int f_copy_in(void *dst, uint64_t gpa, uint64_t len)
{
	if (gpa > RAM_BYTES || len > RAM_BYTES - gpa)
		die("copy_in outside RAM");
	memcpy(dst, ram + gpa, len);
	return 0;
}

static int f_copy_out(uint64_t gpa, const void *src, uint64_t len)
{
	if (gpa > RAM_BYTES || len > RAM_BYTES - gpa)
		die("copy_out outside RAM");
	if (gpa < allow_gpa || len > allow_len || gpa - allow_gpa > allow_len - len)
		die("copy_out outside the range the call names");
	memcpy(ram + gpa, src, len);
	memcpy(shadow + gpa, src, len);
	return 0;
}

static void f_out(const char *s, size_t n)
{
	if (n > VDEV_CONSOLE_MAX)
		die("console write above the limit");
	if (cur_nr != VDEV_HC_CONSOLE_WRITE || n != cur_a[1] || memcmp(s, ram + cur_a[0], n))
		die("console output is not the named guest bytes");
	out_total += n;
}

static const char input[] = "typed input for the guest";
static size_t f_in(char *b, size_t n)
{
	size_t k = n < sizeof input ? n : sizeof input;
	memcpy(b, input, k);
	return k;
}
static uint64_t f_mono(void) { return 5; }
static uint64_t f_wall(void) { return 6; }
static void f_timer(uint64_t d) { (void)d; }
static int f_wp(uint64_t gpa) { return (gpa & 0xFFF) || gpa >= RAM_BYTES ? (die("bad write_protect"), 1) : 0; }
static void f_shutdown(uint64_t c) { (void)c; }
static int64_t f_req(void) { return 3; }
static int64_t f_wait(uint64_t g) { return g == 3 ? 0 : VDEV_EINVAL; }
static void f_status(struct vdev_snap_status *o) { memset(o, 0x5A, sizeof *o); }

static uint64_t get64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t k = *n < 8 ? *n : 8;
	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

/* Most values near the interesting edges: small, near RAM's end, huge. */
static uint64_t fold(uint64_t v)
{
	switch (v & 3) {
	case 0: return (v >> 2) % (RAM_BYTES + 64);
	case 1: return RAM_BYTES - ((v >> 2) % ((v & 4) ? 64 : 8192));
	case 2: return (v >> 2) % 64;
	default: return v;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	size_t calls = data[0], cbytes = calls * 48 + 1 < size ? calls * 48 + 1 : size;
	const uint8_t *mem = data + cbytes;
	size_t n = size - cbytes < RAM_BYTES ? size - cbytes : RAM_BYTES;
	for (size_t i = 0; i < RAM_BYTES; i++)
		ram[i] = (uint8_t)(i * 7);
	memcpy(ram, mem, n);
	memcpy(shadow, ram, sizeof ram);
	data += 1;
	size = cbytes - 1;
	struct vdev_env env = {
		.ram_bytes = RAM_BYTES, .epoch = 2, .copy_in = f_copy_in, .copy_out = f_copy_out,
		.console_out = f_out, .console_in = f_in, .mono_ns = f_mono, .wall_ns = f_wall,
		.timer_set = f_timer, .write_protect = f_wp, .shutdown = f_shutdown,
	};
	int snap = size & 1; /* with and without a snapshot disk */
	if (snap) {
		env.snap_request = f_req;
		env.snap_wait = f_wait;
		env.snap_status = f_status;
	}
	while (size) {
		uint64_t nr = get64(&data, &size);
		nr = nr & 0x100 ? nr : nr % (VDEV_HC_COUNT + 2);
		uint64_t a[5];
		for (int i = 0; i < 5; i++)
			a[i] = fold(get64(&data, &size));
		cur_nr = (int64_t)nr;
		memcpy(cur_a, a, sizeof a);
		allow_gpa = allow_len = 0;
		if (nr == VDEV_HC_CONSOLE_READ) {
			allow_gpa = a[0];
			allow_len = a[1];
		} else if (nr == VDEV_HC_SNAP_STATUS) {
			allow_gpa = a[0];
			allow_len = a[1] ? a[1] : VDEV_SNAP_STATUS_V1_SIZE;
		} else if (nr == VDEV_HC_STATS) {
			allow_gpa = a[0];
			allow_len = sizeof(struct vdev_stats);
		}
		uint64_t bad = env.stats.bad_hypercalls;
		int64_t ret = 0;
		int r = vdev_hypercall(&env, nr, a, &ret);
		if (r != VDEV_RUN && r != VDEV_STOP)
			die("dispatcher result");
		if (memcmp(ram, shadow, sizeof ram))
			die("guest RAM changed outside the named range");
		if ((ret < 0 && ret != VDEV_EAGAIN && ret != VDEV_ESTALE) != (env.stats.bad_hypercalls == bad + 1))
			die("a refusal was not counted, or a success was");
		if (nr == VDEV_HC_CONSOLE_READ && ret >= 0 && (uint64_t)ret > a[1])
			die("console read longer than asked");
	}
	return 0;
}
