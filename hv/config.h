/*
 * hv/config.h — the hypervisor's command line (the arguments of the
 * `multiboot2` line in grub.cfg; tools/amber-run --cmdline sets them).
 *
 *   mem=MIB        guest RAM in MiB (16..3072, default 64)
 *   guest=NAME     guest program: pvm (the persistent world, default), default (ticks and echo), hostile, counter, bench, workload, spin
 *   pvm=CLASS      guest=pvm: the class the world starts (default amber.world.init)
 *   snap_ms=MS     snapshot period in guest milliseconds (10..600000, default 500)
 *   dirty=TIER     dirty tracking: auto, pml, ad, wp (default auto)
 *   tick_hz=HZ     guest timer ticks reported per second (1..1000, default 4)
 *   restore=HOW    lazy (default: pages are read on first touch) or eager
 *                  (every page is read before the guest runs again)
 *   console=HOW    held (default with a snapshot disk: guest output leaves
 *                  COM1 once the generation holding it is durable, input is
 *                  logged on the disk before the guest reads it) or direct
 *                  (both at once, as without a disk; for debugging)
 *   hold_ms=MS     held output makes the next capture come MS guest ms (or
 *                  the last write's time, if longer) after the last commit,
 *                  not snap_ms after the last capture (0..60000, default 10)
 *   stats          figures for make bench in the log: echo latency every 8
 *                  echoes, the parts of each snapshot pause
 *   format         allow formatting a disk that holds no Amber store
 *   takeback       resume a store that was handed over to another host
 *                  (hv/CONTROL.md: the other copy must no longer run)
 *   cpus=N         CPUs the hypervisor brings up: 1 (default) or 2; the
 *                  second runs the snapshot writer (hv/smp.h). If it does
 *                  not answer, the hypervisor says so and runs on one
 *   faults=SEED    testing only: about 1 in 48 disk writes and flushes of
 *                  the snapshot store fail (some after reaching the disk),
 *                  from this seed (make torture: fault injection)
 *
 * An unknown option or a bad value is an error naming the option: the
 * hypervisor refuses to run with a configuration the user did not intend.
 */
#ifndef AMBER_HV_CONFIG_H
#define AMBER_HV_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum dirty_tier { DIRTY_AUTO, DIRTY_PML, DIRTY_AD, DIRTY_WP };

struct hv_config {
	uint32_t mem_mib;
	char guest[32];
	uint32_t snap_ms;
	enum dirty_tier dirty;
	uint32_t tick_hz;
	int format;
	int takeback;
	int eager_restore;
	int console_direct;
	int stats;
	uint32_t hold_ms;
	uint32_t faults;      /* 0: off; else the seed of injected disk faults */
	uint32_t cpus;        /* 1 or 2 (hv/smp.c) */
};

/*
 * Parses `cmdline` into `cfg` (defaults first). A leading token starting
 * with '/' (the kernel path GRUB may include) is skipped. On error returns a
 * negative HV_E* code and writes a one-line reason into err[errlen].
 */
int hv_config_parse(const char *cmdline, struct hv_config *cfg, char *err, size_t errlen);

const char *hv_dirty_tier_name(enum dirty_tier t);

#endif
