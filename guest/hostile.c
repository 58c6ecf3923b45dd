/*
 * guest/hostile.c — guest=hostile: attacks the hypervisor and checks that
 * each attack is refused, one line per attack:
 *
 *   hostile: <attack>: refused (<how>)
 *   hostile: <attack>: NOT REFUSED (<what happened>)
 *
 * An attack is refused when the hypervisor answers as vdev/vdev.h says
 * (an error code, or #GP/#UD injected), or, where the contract is silent,
 * when the guest survives and the hypervisor counted a refusal in
 * VDEV_HC_STATS. A different error or exception than the contract names
 * is still a refusal but is flagged "contract says ..." and counted as a
 * deviation. The last attack, a write beyond guest RAM, is fatal by
 * contract: the hypervisor stops the guest and reports.
 *
 * This file holds the hypercall attacks and the verdicts; the instruction
 * attacks are in guest/hostile_insn.c.
 */
#include <stddef.h>
#include "guest/console.h"
#include "guest/fmt.h"
#include "guest/hostile_int.h"
#include "guest/hypercall.h"
#include "guest/prog.h"
#include "guest/vm.h"

static int n_attacks, n_refused;
int hostile_deviations;
uint8_t hostile_page[4096] __attribute__((aligned(4096)));
const char hostile_msg[] = "hostile: THIS LINE MEANS A HYPERCALL NUMBER WAS TRUNCATED\n";

static const char *errname(int64_t e)
{
	switch (e) {
	case VDEV_EINVAL: return "EINVAL";
	case VDEV_EFAULT: return "EFAULT";
	case VDEV_ENOSYS: return "ENOSYS";
	case VDEV_E2BIG: return "E2BIG";
	case VDEV_EAGAIN: return "EAGAIN";
	}
	return e < 0 ? "unknown error" : "success";
}

void hostile_verdict(const char *attack, int refused, const char *how)
{
	n_attacks++;
	n_refused += refused;
	kprintf("hostile: %s: %s (%s)\n", attack, refused ? "refused" : "NOT REFUSED", how);
}

/* ---- hypercalls with bad numbers and bad guest-physical ranges ---- */

struct hc_attack {
	const char *name;
	uint64_t nr, a1, a2;
	int64_t want, also;   /* the error vdev.h names; `also` is equally right */
};

static void run_hc(const struct hc_attack *a)
{
	char how[96];
	int64_t r = hc_raw(a->nr, a->a1, a->a2, 0, 0, 0);
	if (r == a->want || r == a->also) {
		ksnprintf(how, sizeof how, "%s", errname(r));
	} else if (r < 0) {
		hostile_deviations++;
		ksnprintf(how, sizeof how, "%s, but the contract says %s", errname(r), errname(a->want));
	} else {
		ksnprintf(how, sizeof how, "returned %lld, want %s", (long long)r, errname(a->want));
	}
	hostile_verdict(a->name, r < 0, how);
}

static void hypercall_attacks(uint64_t ram)
{
	const uint64_t wrap = 0xfffffffffffff800ull;   /* + 4 KiB wraps to 0x800, "inside RAM" */
	const struct hc_attack list[] = {
		{ "hypercall VDEV_HC_COUNT", VDEV_HC_COUNT, 0, 0, VDEV_ENOSYS, VDEV_ENOSYS },
		{ "hypercall 0", 0, 0, 0, VDEV_ENOSYS, VDEV_ENOSYS },
		{ "hypercall 0xffffffff", 0xffffffffull, 0, 0, VDEV_ENOSYS, VDEV_ENOSYS },
		{ "hypercall 0x100000001 (CONSOLE_WRITE if truncated to 32 bits)", 0x100000001ull,
		  GPA(hostile_msg), sizeof hostile_msg - 1, VDEV_ENOSYS, VDEV_ENOSYS },
		{ "hypercall 2^63", 1ull << 63, 0, 0, VDEV_ENOSYS, VDEV_ENOSYS },
		{ "hypercall 2^64-1", ~0ull, 0, 0, VDEV_ENOSYS, VDEV_ENOSYS },
		{ "console write from the first byte beyond RAM", VDEV_HC_CONSOLE_WRITE, ram, 16,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "console write from 0xfee00000 (host local APIC)", VDEV_HC_CONSOLE_WRITE,
		  0xfee00000ull, 16, VDEV_EFAULT, VDEV_EFAULT },
		{ "console write of VDEV_CONSOLE_MAX+1 bytes", VDEV_HC_CONSOLE_WRITE, GPA(hostile_page),
		  VDEV_CONSOLE_MAX + 1, VDEV_E2BIG, VDEV_E2BIG },
		{ "console write of 2^63 bytes", VDEV_HC_CONSOLE_WRITE, GPA(hostile_page), 1ull << 63,
		  VDEV_E2BIG, VDEV_EFAULT },
		{ "console write of a range wrapping around 2^64", VDEV_HC_CONSOLE_WRITE, wrap, 4096,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "console write overlapping the end of RAM", VDEV_HC_CONSOLE_WRITE, ram - 16, 32,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "console read into memory beyond RAM", VDEV_HC_CONSOLE_READ, ram, 16,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "console read into a range wrapping around 2^64", VDEV_HC_CONSOLE_READ, wrap, 4096,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "stats into memory beyond RAM", VDEV_HC_STATS, ram, 0, VDEV_EFAULT, VDEV_EFAULT },
		{ "stats overlapping the end of RAM", VDEV_HC_STATS, ram - 8, 0, VDEV_EFAULT, VDEV_EFAULT },
		{ "stats at 2^64-8 (wraps)", VDEV_HC_STATS, ~0ull - 7, 0, VDEV_EFAULT, VDEV_EFAULT },
		{ "snap status into memory beyond RAM", VDEV_HC_SNAP_STATUS, ram, 0,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "snap status overlapping the end of RAM", VDEV_HC_SNAP_STATUS, ram - 8, 0,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "snap status at 2^64-8 (wraps)", VDEV_HC_SNAP_STATUS, ~0ull - 7, 0,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "write-protect of the first page beyond RAM", VDEV_HC_WRITE_PROTECT, ram, 0,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "write-protect of gpa 2^63", VDEV_HC_WRITE_PROTECT, 1ull << 63, 0,
		  VDEV_EFAULT, VDEV_EFAULT },
		{ "write-protect of an unaligned gpa", VDEV_HC_WRITE_PROTECT, GPA(hostile_page) + 1, 0,
		  VDEV_EINVAL, VDEV_EINVAL },
		{ "console read of VDEV_CONSOLE_MAX+1 bytes", VDEV_HC_CONSOLE_READ, GPA(hostile_page),
		  VDEV_CONSOLE_MAX + 1, VDEV_E2BIG, VDEV_E2BIG },
		{ "timer deadline with bit 63 set", VDEV_HC_TIMER_SET, 1ull << 63, 0,
		  VDEV_EINVAL, VDEV_EINVAL },
	};
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
		run_hc(&list[i]);
}

_Noreturn void prog_hostile(void)
{
	uint64_t ram = boot_info.ram_bytes;
	struct vdev_stats st;

	kprintf("hostile: attacking the hypervisor (RAM %llu MiB)\n", (unsigned long long)(ram >> 20));
	hypercall_attacks(ram);
	hostile_insn_attacks();
	hostile_user_attack();

	int64_t r = hc_stats(&st);
	if (r < 0)
		kprintf("hostile: stats: %s\n", errname(r));
	else
		kprintf("hostile: stats: bad_hypercalls=%llu msr_refused=%llu cr_refused=%llu "
			"io_refused=%llu priv_refused=%llu ept_refused=%llu\n",
			(unsigned long long)st.bad_hypercalls, (unsigned long long)st.msr_refused,
			(unsigned long long)st.cr_refused, (unsigned long long)st.io_refused,
			(unsigned long long)st.priv_refused, (unsigned long long)st.ept_refused);
	if (hostile_deviations)
		kprintf("hostile: %d refusals differ from what vdev.h says (see above)\n", hostile_deviations);
	kprintf("hostile: summary: %d attacks, %d refused, %d not refused\n", n_attacks, n_refused,
		n_attacks - n_refused);

	/* Last, because by contract it is fatal: the hypervisor stops us. */
	vm_map_page(ram);
	kprintf("hostile: last attack: write to gpa 0x%llx, just beyond RAM; "
		"the hypervisor should stop this guest now\n", (unsigned long long)ram);
	*(volatile uint64_t *)(uintptr_t)ram = 0x414d424552ull;
	uint64_t back = *(volatile uint64_t *)(uintptr_t)ram;
	kprintf("hostile: write beyond RAM: NOT REFUSED (the write completed, read back 0x%llx)\n",
		(unsigned long long)back);
	hc_shutdown(EXIT_FAILED);
}
