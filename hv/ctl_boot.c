/*
 * hv/ctl_boot.c — what the control channel settles at boot (see ctl.h):
 * the guest's identity in the store (created at its first start), the
 * handover check that keeps a moved guest from running twice, and the note
 * that a restore makes guest=/pvm= moot.
 */
#include <string.h>

#include "hv/cpu.h"
#include "hv/ctl.h"
#include "hv/hv.h"
#include "hv/time.h"
#include "snapshot/snap.h"

#define CPUID1_ECX_RDRAND (1u << 30) /* SDM Vol. 2A, CPUID leaf 1 ECX */

static int rdrand64(uint64_t *out)
{
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_RDRAND))
		return -1;
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return 0;
	}
	return -1;
}

/* splitmix64: spreads the TSC and wall clock when there is no RDRAND. */
static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static void new_guest_id(uint8_t id[SNAP_GUEST_ID_LEN])
{
	uint64_t a, b;
	if (rdrand64(&a) || rdrand64(&b)) {
		a = mix(rdtsc() ^ time_wall_ns());
		b = mix(a ^ rdtsc());
	}
	memcpy(id, &a, 8);
	memcpy(id + 8, &b, 8);
	if (!a && !b)
		id[0] = 1; /* all zero means "no identity" */
}

void ctl_identity(snap_store *st, int restored)
{
	uint8_t id[SNAP_GUEST_ID_LEN];
	char hex[2 * SNAP_GUEST_ID_LEN + 1];
	if (snap_guest_id(st, id)) {
		ctl_id_hex(hex, id);
		kprintf("amber: guest id %s\n", hex);
		return;
	}
	new_guest_id(id);
	ctl_id_hex(hex, id);
	int e = snap_set_guest_id(st, id);
	if (e)
		kprintf("amber: warning: cannot record the guest identity: %s\n", snap_errmsg(st));
	else
		kprintf("amber: guest id %s (new%s)\n", hex, restored ? "; this store had none" : "");
}

/* Whether the command line names key= as an option of its own. */
static int has_option(const char *cl, const char *key)
{
	for (const char *p = cl; *p; p++) {
		if (p != cl && p[-1] != ' ')
			continue;
		unsigned i = 0;
		while (key[i] && p[i] == key[i])
			i++;
		if (!key[i])
			return 1;
	}
	return 0;
}

void ctl_note_restore(const char *cmdline)
{
	static const char *const ignored[] = { "guest=", "pvm=" };
	for (unsigned i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		if (has_option(cmdline, ignored[i]))
			kprintf("amber: note: %s on the command line is ignored: the restored guest continues as "
				"it was (a new guest needs a new disk)\n", ignored[i]);
}

int ctl_handed_over(snap_store *st, int takeback)
{
	uint64_t g = snap_handed_over(st);
	if (!g)
		return 0;
	if (!takeback) {
		kprintf("amber: handed over: this guest moved to another host at gen=%llu and does not resume "
			"here (boot with 'takeback' on the command line to resume this copy instead)\n",
			(unsigned long long)g);
		return 1;
	}
	int e = snap_set_handed_over(st, 0);
	if (e) {
		kprintf("amber: error: takeback: %s\n", snap_errmsg(st));
		return 1;
	}
	kprintf("amber: takeback: resuming this copy, handed over at gen=%llu; the other copy must not run\n",
		(unsigned long long)g);
	return 0;
}
