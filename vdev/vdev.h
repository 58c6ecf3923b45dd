/*
 * vdev/vdev.h — the guest ⇄ hypervisor ABI of Amber, shared by both sides.
 * vdev/ABI.md describes the same contract in prose. Version 1.
 *
 * Hypercalls: VMCALL with RAX = number, arguments in RDI, RSI, RDX, R10,
 * R8; the result comes back in RAX, negative = one of the VDEV_E* codes.
 * Other registers are preserved. Every guest-physical address and length
 * is checked against guest RAM before use; a bad call returns an error and
 * is counted, it never harms the hypervisor.
 *
 * Entry: the guest kernel (an ELF64 module) starts in 64-bit mode at its
 * ELF entry point, CPL 0, interrupts disabled, with
 *   RDI = guest-physical address of struct vdev_boot_info,
 *   CR3 = identity page tables covering all guest RAM (2 MiB pages, built
 *         by the hypervisor at VDEV_GPA_PAGE_TABLES; the guest may replace them),
 *   RSP = VDEV_GPA_BOOT_STACK_TOP, flat 64-bit code and data segments whose
 *         descriptors are loaded but whose GDT the guest must provide itself
 *         (load a GDT before reloading any segment register).
 *
 * Guest-physical layout at entry:
 *
 *   0x00000000 +---------------------------+
 *              | unused (keep unmapped to  |
 *              | catch null pointers)      |
 *   0x00001000 +---------------------------+ VDEV_GPA_BOOT_INFO
 *              | struct vdev_boot_info     |
 *   0x00002000 +---------------------------+ VDEV_GPA_PAGE_TABLES
 *              | PML4, PDPT, PDs           |
 *   0x00010000 +---------------------------+
 *              | boot stack (grows down)   |
 *   0x00080000 +---------------------------+ VDEV_GPA_BOOT_STACK_TOP
 *              | unused below 1 MiB        |
 *   0x00100000 +---------------------------+ VDEV_GPA_KERNEL_MIN
 *              | kernel ELF segments       | (at their p_paddr)
 *              | modules (page aligned)    | boot_info.modules[]
 *              | free: boot_info.free_start up to ram_bytes
 *   ram_bytes  +---------------------------+ everything above: unmapped
 */
#ifndef AMBER_VDEV_H
#define AMBER_VDEV_H

#include <stdint.h>

#define VDEV_ABI_VERSION        1

/* ---- hypercall numbers (RAX) ---- */
#define VDEV_HC_CONSOLE_WRITE   1  /* (gpa buf, len, epoch) -> len; len <= VDEV_CONSOLE_MAX;
                                      epoch 0 writes always; any other value writes only
                                      while it is the current restart epoch, else
                                      VDEV_ESTALE and nothing is written: a restored guest
                                      learns of the restore before its next line goes out */
#define VDEV_HC_CONSOLE_READ    2  /* (gpa buf, len) -> bytes read, 0 when none (never blocks) */
#define VDEV_HC_CLOCK_MONO      3  /* () -> ns of guest life; continues across restores, never goes back */
#define VDEV_HC_CLOCK_WALL      4  /* () -> ns since 1970-01-01 UTC (host RTC) */
#define VDEV_HC_TIMER_SET       5  /* (deadline, mono ns) -> 0; one shot, VDEV_VEC_TIMER at deadline; 0 cancels */
#define VDEV_HC_EPOCH           6  /* () -> restart epoch: 1 on a fresh start, +1 at every restore */
#define VDEV_HC_SHUTDOWN        7  /* (code) -> does not return: the guest is stopped, the hypervisor reports */
#define VDEV_HC_SNAP_REQUEST    8  /* () -> generation G that will capture the state at this call */
#define VDEV_HC_SNAP_WAIT       9  /* (G) -> 0 once generation G is durable on disk; the vCPU waits */
#define VDEV_HC_SNAP_STATUS     10 /* (gpa struct vdev_snap_status, size) -> 0; size 0 writes
                                       the first VDEV_SNAP_STATUS_V1_SIZE bytes (what guests
                                       built before the health fields pass), size
                                       sizeof(struct vdev_snap_status) all of it; other sizes EINVAL */
#define VDEV_HC_STATS           11 /* (gpa struct vdev_stats) -> 0: what the hypervisor refused so far */
#define VDEV_HC_WRITE_PROTECT   12 /* (gpa) -> 0: the page's next guest write takes one EPT
                                       violation round trip, then proceeds (the copy-on-write
                                       path of snapshots; benchmarks time it) */
#define VDEV_HC_COUNT           13 /* numbers >= this are unknown: VDEV_ENOSYS */

/* ---- errors (negative in RAX) ---- */
#define VDEV_OK       0
#define VDEV_EINVAL  (-1)  /* bad argument value */
#define VDEV_EFAULT  (-2)  /* address or range outside guest RAM */
#define VDEV_ENOSYS  (-3)  /* unknown hypercall number */
#define VDEV_E2BIG   (-4)  /* length above the call's limit */
#define VDEV_EAGAIN  (-5)  /* not possible now (e.g. no snapshot disk) */
#define VDEV_ESTALE  (-6)  /* the guest was restored since it read the epoch: re-sync */

#define VDEV_CONSOLE_MAX 4096

/* ---- interrupt vectors the hypervisor injects ---- */
#define VDEV_VEC_TIMER          0x20 /* one-shot timer deadline reached */
#define VDEV_VEC_CONSOLE        0x21 /* console input is waiting: call VDEV_HC_CONSOLE_READ */

/* ---- guest-physical layout at entry ---- */
#define VDEV_GPA_BOOT_INFO      0x1000ull
#define VDEV_GPA_PAGE_TABLES    0x2000ull
#define VDEV_GPA_BOOT_STACK_TOP 0x80000ull
#define VDEV_GPA_KERNEL_MIN     0x100000ull

#define VDEV_BOOT_MAGIC         0x524D4241u /* "ABMR" little-endian: 'A','B','M','R' */
#define VDEV_MAX_MODULES        4
#define VDEV_CMDLINE_MAX        256

struct vdev_module {
	uint64_t gpa, len;
	char name[16];
};

struct vdev_boot_info {
	uint32_t magic;           /* VDEV_BOOT_MAGIC */
	uint32_t abi_version;     /* VDEV_ABI_VERSION */
	uint64_t ram_bytes;       /* guest RAM is [0, ram_bytes) */
	uint64_t free_start;      /* first byte after kernel and modules, page aligned */
	uint64_t epoch;           /* restart epoch at entry (1 on a fresh start) */
	uint64_t tsc_hz;          /* guest TSC rate, for fine timing (benchmarks) */
	uint32_t tick_hz;         /* ticks per second the default program reports */
	uint32_t n_modules;
	struct vdev_module modules[VDEV_MAX_MODULES];
	char cmdline[VDEV_CMDLINE_MAX]; /* the hypervisor command line, NUL-terminated */
};

struct vdev_snap_status {
	uint64_t last_captured;   /* newest generation captured (0 = none) */
	uint64_t last_durable;    /* newest generation committed to disk */
	uint64_t restored_from;   /* generation this boot restored (0 = fresh start) */
	/* Health: only written when the call passes the full size. */
	uint32_t state;           /* VDEV_SNAP_* */
	int32_t last_error;       /* the store's error code of the last failure, 0 if none */
	uint64_t failures;        /* generations that failed since the hypervisor started */
	uint64_t retry_in_ns;     /* VDEV_SNAP_DEGRADED: time until the next try */
};
#define VDEV_SNAP_STATUS_V1_SIZE 24 /* the three counters only */
#define VDEV_SNAP_OK        0 /* the newest capture commits normally */
#define VDEV_SNAP_DEGRADED  1 /* the last generation failed (disk full, I/O error); retrying */

/* What the hypervisor refused, by kind (counters since this boot). */
struct vdev_stats {
	uint64_t bad_hypercalls;  /* unknown number or bad arguments */
	uint64_t msr_refused;     /* RDMSR/WRMSR outside the allow-list: #GP injected */
	uint64_t cr_refused;      /* control-register writes refused: #GP injected */
	uint64_t io_refused;      /* port I/O: #GP injected */
	uint64_t priv_refused;    /* VMX and other privileged instructions: #UD injected */
	uint64_t ept_refused;     /* accesses outside guest RAM */
};

#endif
