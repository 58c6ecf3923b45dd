/*
 * hv/smp.h — a second CPU (the AP) for hypervisor work (cpus=2).
 *
 * The AP never enters VMX: it runs the hypervisor's C code on its own stack,
 * GDT and TSS, with the shared IDT and page tables, interrupts off. It
 * calls the work function the BSP gives it (smp_ap_set_work) over and over,
 * pausing between calls, and a one-off call (smp_ap_call) before that. It
 * never drives the serial port, which is the BSP's: its kprintf lines wait
 * in a buffer the BSP prints (below); an exception on the AP still reports
 * and powers off (a bug).
 *
 * Start-up (smp_start): the universal INIT-SIPI-SIPI sequence through the
 * BSP's local APIC (SDM Vol. 3A §8.4.4.1) into a real-mode trampoline at
 * SMP_TRAMPOLINE_PA (hv/ap_boot.asm). When the AP does not answer within
 * SMP_ANSWER_MS, the hypervisor says so and runs on one CPU.
 */
#ifndef AMBER_HV_SMP_H
#define AMBER_HV_SMP_H

#include <stddef.h>
#include <stdint.h>

/* The trampoline page (below 1 MiB: a start-up IPI names a page number in
 * 8 bits, SDM Vol. 3A §10.6.1); hv/ap_boot.asm is assembled for it and
 * hv/pmem.c keeps it out of the allocator. */
#define SMP_TRAMPOLINE_PA 0x8000ull
#define SMP_ANSWER_MS 100

/*
 * Brings up the AP when cpus == 2; prints one `amber: cpus: ...` line.
 * `tramp_ok` is 0 when the trampoline page is not free RAM (pmem_init said).
 * Returns the number of CPUs running: 1 or 2.
 */
unsigned smp_start(unsigned cpus, int tramp_ok);

/* 1 once the AP runs its loop. */
int smp_ap_running(void);

struct smp_work {
	void (*fn)(void *arg);
	void *arg;
};

/*
 * The AP's work: w->fn(w->arg) is called repeatedly on the AP until another
 * call replaces it; NULL makes the AP idle. `w` must outlive its use (a
 * static). Returns at once; the AP may still be inside the previous
 * function (the function's own lock orders the two).
 */
void smp_ap_set_work(const struct smp_work *w);

/*
 * Hands fn(arg) to the AP, which runs it before its next work call, and
 * returns at once: the BSP does its own share meanwhile, then waits with
 * smp_ap_join(). Returns 0 when the AP is not running (the caller does it
 * all). One call at a time; fn must not take a lock the caller holds.
 */
int smp_ap_call(void (*fn)(void *arg), void *arg);
/* 0 once the call is done; HV_ENOTSUP when the AP did not finish it within
 * SMP_JOIN_MS (a hung AP: the caller does that share itself). */
int smp_ap_join(void);
#define SMP_JOIN_MS 100

/*
 * Output from the AP: kprintf there (a disk error the writer meets) must
 * not touch the serial port the BSP drives, so it lands in a small buffer
 * the BSP prints with smp_ap_notes_flush() (hv/persist.c, when it takes
 * the AP's outcome). What does not fit is counted and said so.
 */
int smp_on_ap(void);
void smp_ap_note(const char *s, size_t n);
void smp_ap_notes_flush(void);

#endif
