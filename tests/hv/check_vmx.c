/*
 * tests/hv/check_vmx.c — host unit tests of the hypervisor's pure logic:
 * EPT construction and lookup, CPUID policy, MSR policy, the hypercall
 * validator and dispatcher, the exit-reason decoder, VMCS names, control
 * computation, the ELF validator, the frame allocator, guest page tables,
 * the vCPU state blob and the guest timer across a restore.
 */
#include <stdlib.h>
#include <string.h>

#include "hv/cpuid.h"
#include "hv/elf.h"
#include "hv/ept.h"
#include "hv/exit.h"
#include "hv/guest_load.h"
#include "hv/hv.h"
#include "hv/msr.h"
#include "hv/pmem.h"
#include "hv/state_blob.h"
#include "hv/vdev_backend.h"
#include "hv/vmcs.h"
#include "hv/vmx.h"
#include "tests/unit.h"
#include "vdev/vdev_hv.h"

/* Stubs for what guest_load.c uses besides the page-table builder. */
void kprintf(const char *fmt, ...) { (void)fmt; }
uint64_t time_tsc_hz(void) { return 1; }

/* ---- EPT, over a fake physical memory of malloc'd pages ---- */

#define FAKE_PAGES 64
struct fake_mem { uint8_t *pages[FAKE_PAGES]; unsigned n; int fail_after; };

static int fake_alloc(void *ctx, uint64_t *pa)
{
	struct fake_mem *m = ctx;
	if (m->n == FAKE_PAGES || m->fail_after-- == 0)
		return HV_ENOMEM;
	m->pages[m->n] = calloc(1, 4096);
	*pa = (uint64_t)(m->n + 1) << 12; /* fake physical address: index + 1 pages */
	m->n++;
	return 0;
}

static void *fake_p2v(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;
	return m->pages[(pa >> 12) - 1];
}

static struct fake_mem mem;
static struct ept ept;

static void ept_setup(int ad)
{
	memset(&mem, 0, sizeof mem);
	mem.fail_after = -1;
	struct ept_ops ops = { &mem, fake_alloc, fake_p2v };
	ck_assert_int_eq(ept_init(&ept, &ops, ad), 0);
}

/* Guest RAM mapped on demand (issue 15): recording 4 GiB builds nothing;
 * a leaf is built with its 2 MiB neighbours, none present, each naming its
 * host frame; at most ept_lazy_tables tables in all. */
START_TEST(ept_lazy_builds_on_demand)
{
	ept_setup(1);
	uint64_t hpa = 0x40000000, len = 4ull << 30, gpa = (3ull << 30) + 0x5000, out;
	ck_assert_int_eq(ept_map_lazy(&ept, 0, hpa, len), 0);
	ck_assert_uint_eq(ept.tables, 1);
	ck_assert_int_eq(ept_map_lazy(&ept, 0, hpa, len), HV_EINVAL); /* one range */
	ck_assert_ptr_null(ept_leaf(&ept, gpa));
	ck_assert_int_eq(ept_translate(&ept, gpa, &out), HV_ENOENT);
	uint64_t *l = ept_leaf_build(&ept, gpa);
	ck_assert_ptr_nonnull(l);
	ck_assert_uint_eq(ept.tables, 4);
	ck_assert_uint_eq(*l & EPT_RWX, 0);
	ck_assert_uint_eq(*l & EPT_ADDR_MASK, hpa + gpa - 0x0);
	ck_assert_uint_eq((*l >> EPT_MT_SHIFT) & 7, EPT_MT_WB);
	ck_assert_int_eq(ept_translate(&ept, gpa, &out), HV_ENOENT); /* built, not present */
	*l |= EPT_RWX;
	ck_assert_int_eq(ept_translate(&ept, gpa + 0x10, &out), 0);
	ck_assert_uint_eq(out, hpa + gpa + 0x10);
	uint64_t *n = ept_leaf(&ept, gpa + 0x1000); /* a neighbour: built with it */
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(*n, (hpa + gpa + 0x1000) | EPT_MT_WB << EPT_MT_SHIFT);
	ck_assert_ptr_eq(ept_leaf_build(&ept, gpa), l);
	ck_assert_uint_eq(ept.tables, 4);
	ck_assert_ptr_null(ept_leaf_build(&ept, len)); /* beyond the range: not built */
	ck_assert_uint_eq(ept_lazy_tables(0, len), 2048 + 4 + 1 + 1);
	ck_assert_uint_eq(ept_lazy_tables(0, 64ull << 20), 32 + 1 + 1 + 1);
	ck_assert_int_eq(ept_map_lazy(&ept, 0x1000, hpa, len), HV_EINVAL);
	ept_setup(0);
	ck_assert_int_eq(ept_map_lazy(&ept, 0, 0x1000, len), HV_EINVAL); /* unaligned host */
}
END_TEST

START_TEST(ept_map_and_translate)
{
	ept_setup(1);
	ck_assert_int_eq(ept_map_range(&ept, 0, 0x200000, 64 * 4096, EPT_RWX), 0);
	/* PML4 + PDPT + PD + one PT cover the first 2 MiB. */
	ck_assert_uint_eq(ept.tables, 4);
	uint64_t hpa;
	ck_assert_int_eq(ept_translate(&ept, 0x5123, &hpa), 0);
	ck_assert_uint_eq(hpa, 0x205123);
	ck_assert_int_eq(ept_translate(&ept, 64 * 4096, &hpa), HV_ENOENT);
	ck_assert_int_eq(ept_translate(&ept, 1ull << 40, &hpa), HV_ENOENT);
	uint64_t *leaf = ept_leaf(&ept, 0x3000);
	ck_assert_ptr_nonnull(leaf);
	ck_assert_uint_eq(*leaf & EPT_RWX, EPT_RWX);
	ck_assert_uint_eq((*leaf >> EPT_MT_SHIFT) & 7, EPT_MT_WB);
	ck_assert_uint_eq(*leaf & EPT_ADDR_MASK, 0x203000);
	/* EPTP: WB, 4-level walk, A/D flag. */
	ck_assert_uint_eq(ept_eptp(&ept) & 0xFFF, EPTP_MT_WB | EPTP_WALK4 | EPTP_AD);
	ck_assert_uint_eq(ept_eptp(&ept) & ~0xFFFull, ept.pml4_pa);
}
END_TEST

START_TEST(ept_far_addresses_get_own_tables)
{
	ept_setup(0);
	ck_assert_int_eq(ept_map(&ept, 0, 0x1000, EPT_R), 0);
	ck_assert_int_eq(ept_map(&ept, 1ull << 39, 0x2000, EPT_R), 0); /* second PML4 slot */
	ck_assert_int_eq(ept_map(&ept, (1ull << 30) + 0x1000, 0x3000, EPT_R), 0); /* second PDPT slot */
	ck_assert_uint_eq(ept.tables, 1 + 3 + 3 + 2); /* the 1 GiB page shares PDPT 0 */
	uint64_t hpa;
	ck_assert_int_eq(ept_translate(&ept, (1ull << 39) + 0x10, &hpa), 0);
	ck_assert_uint_eq(hpa, 0x2010);
	ck_assert_uint_eq(ept_eptp(&ept) & EPTP_AD, 0);
}
END_TEST

START_TEST(ept_write_protect_and_restore)
{
	ept_setup(1);
	ck_assert_int_eq(ept_map_range(&ept, 0, 0x100000, 8 * 4096, EPT_RWX), 0);
	ck_assert_int_eq(ept_set_perms(&ept, 0x2000, EPT_R | EPT_X), 0);
	ck_assert_uint_eq(*ept_leaf(&ept, 0x2000) & EPT_RWX, EPT_R | EPT_X);
	ck_assert_uint_eq(*ept_leaf(&ept, 0x1000) & EPT_RWX, EPT_RWX);
	ck_assert_uint_eq(*ept_leaf(&ept, 0x2000) & EPT_ADDR_MASK, 0x102000); /* address kept */
	ck_assert_int_eq(ept_set_perms(&ept, 0x2000, EPT_RWX), 0);
	ck_assert_int_eq(ept_set_perms(&ept, 0x9000, EPT_R), HV_ENOENT);
	ck_assert_int_eq(ept_set_perms(&ept, 0x1000, 0x10), HV_EINVAL);
}
END_TEST

START_TEST(ept_errors)
{
	ept_setup(0);
	ck_assert_int_eq(ept_map(&ept, 0x123, 0x1000, EPT_R), HV_EINVAL);
	ck_assert_int_eq(ept_map(&ept, 0x1000, 0x1001, EPT_R), HV_EINVAL);
	ck_assert_int_eq(ept_map(&ept, EPT_MAX_GPA, 0x1000, EPT_R), HV_EINVAL);
	ck_assert_int_eq(ept_map(&ept, 0x1000, 0x1000, 0x8), HV_EINVAL);
	ck_assert_int_eq(ept_map_range(&ept, ~0xFFFull, 0, 0x2000, EPT_R), HV_EINVAL);
	ck_assert_ptr_null(ept_leaf(&ept, 0x1000));
	mem.fail_after = 1; /* PDPT allocates, PD does not */
	ck_assert_int_eq(ept_map(&ept, 0x1000, 0x1000, EPT_R), HV_ENOMEM);
}
END_TEST

static Suite *ept_suite(void)
{
	Suite *s = suite_create("ept");
	TCase *core = tcase_create("core"), *err = tcase_create("errors");
	tcase_add_test(core, ept_map_and_translate);
	tcase_add_test(core, ept_lazy_builds_on_demand);
	tcase_add_test(core, ept_far_addresses_get_own_tables);
	tcase_add_test(core, ept_write_protect_and_restore);
	tcase_add_test(err, ept_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, err);
	return s;
}

/* ---- CPUID policy ---- */

START_TEST(cpuid_signature_and_limits)
{
	struct cpuid_regs r = cpuid_policy(CPUID_HV_LEAF, 0);
	char sig[13];
	memcpy(sig, &r.ebx, 4), memcpy(sig + 4, &r.ecx, 4), memcpy(sig + 8, &r.edx, 4);
	sig[12] = 0;
	ck_assert_str_eq(sig, "AmberAmberAm");
	ck_assert_uint_eq(r.eax, CPUID_HV_LEAF + 1);
	ck_assert_uint_eq(cpuid_policy(CPUID_HV_LEAF + 1, 0).eax, VDEV_ABI_VERSION);
	ck_assert_uint_eq(cpuid_policy(0, 0).eax, 7);
	ck_assert_uint_eq(cpuid_policy(0x80000000, 0).eax, 0x80000008);
	r = cpuid_policy(0, 0);
	char vendor[13];
	memcpy(vendor, &r.ebx, 4), memcpy(vendor + 4, &r.edx, 4), memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = 0;
	ck_assert_str_eq(vendor, "GenuineIntel");
}
END_TEST

START_TEST(cpuid_features)
{
	struct cpuid_regs r = cpuid_policy(1, 0);
	ck_assert(r.edx & CPUID1_EDX_FXSR && r.edx & CPUID1_EDX_SSE && r.edx & CPUID1_EDX_SSE2);
	ck_assert(r.ecx & CPUID1_ECX_HYPERVISOR);
	ck_assert(!(r.ecx & (1u << 5)));   /* VMX hidden */
	ck_assert(!(r.ecx & (1u << 26)));  /* XSAVE hidden */
	ck_assert(!(r.ecx & (1u << 28)));  /* AVX hidden */
	ck_assert(!(r.ecx & (1u << 21)));  /* x2APIC hidden */
	ck_assert(!(r.edx & (1u << 9)));   /* APIC hidden */
	ck_assert(!(r.ecx & (1u << 3)));   /* MONITOR hidden */
	struct cpuid_regs x = cpuid_policy(0x80000001, 0);
	ck_assert(x.edx & CPUIDX1_EDX_LM && x.edx & CPUIDX1_EDX_NX && x.edx & CPUIDX1_EDX_SYSCALL);
	ck_assert(!(x.edx & (1u << 27)));  /* RDTSCP hidden: not enabled in the VMCS */
	ck_assert(cpuid_policy(0x80000007, 0).edx & CPUIDX7_EDX_INVTSC);
}
END_TEST

START_TEST(cpuid_unknown_leaves_are_zero)
{
	uint32_t leaves[] = { 2, 4, 0xB, 0xD, 0x12, 0x40000002, 0x80000009, 0xFFFFFFFF };
	for (unsigned i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
		struct cpuid_regs r = cpuid_policy(leaves[i], 0);
		ck_assert_msg(!r.eax && !r.ebx && !r.ecx && !r.edx, "leaf %x not zero", leaves[i]);
	}
	ck_assert_uint_eq(cpuid_policy(7, 1).ebx, 0);
	/* Deterministic: the same answer every time (snapshots move between hosts). */
	struct cpuid_regs a = cpuid_policy(1, 0), b = cpuid_policy(1, 5);
	ck_assert(!memcmp(&a, &b, sizeof a));
}
END_TEST

START_TEST(cpuid_brand)
{
	char brand[49] = { 0 };
	for (uint32_t l = 0; l < 3; l++) {
		struct cpuid_regs r = cpuid_policy(0x80000002 + l, 0);
		memcpy(brand + 16 * l, &r, 16);
	}
	ck_assert_str_eq(brand, "Amber virtual CPU");
}
END_TEST

START_TEST(cpuid_missing_on_host)
{
	struct cpuid_regs host = cpuid_policy(1, 0);
	host.ecx &= ~CPUID1_ECX_HYPERVISOR; /* a bare-metal host lacks it: that is fine */
	ck_assert_uint_eq(cpuid_policy_missing(1, 2, host), 0);
	host.edx &= ~CPUID1_EDX_SSE2;
	ck_assert_uint_eq(cpuid_policy_missing(1, 3, host), CPUID1_EDX_SSE2);
}
END_TEST

static Suite *cpuid_suite(void)
{
	Suite *s = suite_create("cpuid");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, cpuid_signature_and_limits);
	tcase_add_test(tc, cpuid_features);
	tcase_add_test(tc, cpuid_unknown_leaves_are_zero);
	tcase_add_test(tc, cpuid_brand);
	tcase_add_test(tc, cpuid_missing_on_host);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- MSR policy ---- */

START_TEST(msr_allow_list)
{
	ck_assert_int_eq(msr_policy(MSR_IA32_EFER, 0), MSR_VMCS_EFER);
	ck_assert_int_eq(msr_policy(MSR_IA32_TSC, 0), MSR_TSC);
	ck_assert_int_eq(msr_policy(MSR_IA32_TSC, 1), MSR_REFUSED);
	ck_assert_int_eq(msr_policy(MSR_IA32_APIC_BASE, 1), MSR_REFUSED);
	ck_assert_int_eq(msr_policy(MSR_IA32_LSTAR, 1), MSR_CPU);
	ck_assert_int_eq(msr_policy(MSR_IA32_FEATURE_CONTROL, 0), MSR_REFUSED);
	ck_assert_int_eq(msr_policy(MSR_IA32_VMX_BASIC, 0), MSR_REFUSED);
	ck_assert_int_eq(msr_policy(0x1234, 0), MSR_REFUSED);
	uint64_t out;
	ck_assert_int_eq(msr_check_write(MSR_IA32_EFER, EFER_LME | EFER_SCE | EFER_NXE, 0, &out), 0);
	ck_assert_uint_eq(out, EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE);
	ck_assert_int_eq(msr_check_write(MSR_IA32_EFER, EFER_SCE, 0, &out), -1);        /* leaves long mode */
	ck_assert_int_eq(msr_check_write(MSR_IA32_EFER, EFER_LME | (1 << 12), 0, &out), -1); /* SVME */
	ck_assert_int_eq(msr_check_write(MSR_IA32_LSTAR, 0x0000800000000000ull, 0, &out), -1);
	ck_assert_int_eq(msr_check_write(MSR_IA32_LSTAR, 0xFFFF800000000000ull, 0, &out), 0);
	ck_assert_int_eq(msr_check_write(MSR_IA32_PAT, 0x0007040600070406ull, 0, &out), 0);
	ck_assert_int_eq(msr_check_write(MSR_IA32_PAT, 0x0007040600070402ull, 0, &out), -1);
	ck_assert_int_eq(msr_check_write(MSR_IA32_FMASK, 1ull << 32, 0, &out), -1);
	ck_assert_int_eq(msr_check_write(0x1234, 0, 0, &out), -1);
}
END_TEST

static Suite *msr_suite(void)
{
	Suite *s = suite_create("msr");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, msr_allow_list);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- hypercall validator and dispatcher ---- */

#define RAM (1u << 20)
static uint8_t *ram;
static struct vdev_env env;
static char out_buf[8192];
static size_t out_len;
static uint64_t timer_at, shutdown_code, wp_gpa;

static void t_out(const char *s, size_t n) { memcpy(out_buf + out_len, s, n); out_len += n; }
static size_t t_in(char *b, size_t n) { const char *src = "abc"; size_t k = n < 3 ? n : 3; memcpy(b, src, k); return k; }
static uint64_t t_mono(void) { return 123; }
static uint64_t t_wall(void) { return 456; }
static void t_timer(uint64_t d) { timer_at = d; }
static int t_wp(uint64_t gpa) { wp_gpa = gpa; return 0; }
static void t_shutdown(uint64_t c) { shutdown_code = c; }

static int t_copy_in(void *dst, uint64_t gpa, uint64_t len)
{
	ck_assert(gpa <= RAM && len <= RAM - gpa);
	memcpy(dst, ram + gpa, len);
	return 0;
}
static int t_copy_out(uint64_t gpa, const void *src, uint64_t len)
{
	ck_assert(gpa <= RAM && len <= RAM - gpa);
	memcpy(ram + gpa, src, len);
	return 0;
}

static void env_setup(void)
{
	ram = calloc(1, RAM);
	env = (struct vdev_env){ .ram_bytes = RAM, .epoch = 1, .copy_in = t_copy_in, .copy_out = t_copy_out,
				 .console_out = t_out, .console_in = t_in, .mono_ns = t_mono, .wall_ns = t_wall,
				 .timer_set = t_timer, .write_protect = t_wp, .shutdown = t_shutdown };
	out_len = 0;
}

static void env_teardown(void) { free(ram); }

static int64_t call(uint64_t nr, uint64_t a0, uint64_t a1)
{
	uint64_t a[5] = { a0, a1, 0, 0, 0 };
	int64_t r = 12345;
	ck_assert_int_eq(vdev_hypercall(&env, nr, a, &r), nr == VDEV_HC_SHUTDOWN ? VDEV_STOP : VDEV_RUN);
	return r;
}

START_TEST(range_validator)
{
	ck_assert_int_eq(vdev_check_range(&env, 0, RAM), 0);
	ck_assert_int_eq(vdev_check_range(&env, RAM, 0), 0);
	ck_assert_int_eq(vdev_check_range(&env, RAM - 1, 1), 0);
	ck_assert_int_eq(vdev_check_range(&env, RAM - 1, 2), VDEV_EFAULT);
	ck_assert_int_eq(vdev_check_range(&env, RAM + 1, 0), VDEV_EFAULT);
	ck_assert_int_eq(vdev_check_range(&env, 0, RAM + 1ull), VDEV_EFAULT);
	ck_assert_int_eq(vdev_check_range(&env, ~0ull, 2), VDEV_EFAULT);    /* wraps */
	ck_assert_int_eq(vdev_check_range(&env, 16, ~0ull - 8), VDEV_EFAULT);
	ck_assert_int_eq(vdev_check_range(&env, ~0ull - 4095, 4096), VDEV_EFAULT);
}
END_TEST

START_TEST(hc_console)
{
	memcpy(ram + 0x1000, "hi there", 8);
	ck_assert_int_eq(call(VDEV_HC_CONSOLE_WRITE, 0x1000, 8), 8);
	ck_assert_int_eq(out_len, 8);
	ck_assert(!memcmp(out_buf, "hi there", 8));
	ck_assert_int_eq(call(VDEV_HC_CONSOLE_WRITE, RAM - 4, 8), VDEV_EFAULT);
	ck_assert_int_eq(call(VDEV_HC_CONSOLE_WRITE, 0, VDEV_CONSOLE_MAX + 1), VDEV_E2BIG);
	ck_assert_int_eq(call(VDEV_HC_CONSOLE_WRITE, ~0ull - 3, 8), VDEV_EFAULT);
	ck_assert_int_eq(call(VDEV_HC_CONSOLE_READ, 0x2000, 16), 3);
	ck_assert(!memcmp(ram + 0x2000, "abc", 3));
	ck_assert_int_eq(call(VDEV_HC_CONSOLE_READ, RAM, 1), VDEV_EFAULT);
	ck_assert_uint_eq(env.stats.bad_hypercalls, 4);
	ck_assert_int_eq(out_len, 8); /* refused calls printed nothing */
}
END_TEST

START_TEST(hc_clock_timer_epoch)
{
	ck_assert_int_eq(call(VDEV_HC_CLOCK_MONO, 0, 0), 123);
	ck_assert_int_eq(call(VDEV_HC_CLOCK_WALL, 0, 0), 456);
	ck_assert_int_eq(call(VDEV_HC_TIMER_SET, 5000, 0), 0);
	ck_assert_uint_eq(timer_at, 5000);
	ck_assert_int_eq(call(VDEV_HC_TIMER_SET, 1ull << 63, 0), VDEV_EINVAL);
	ck_assert_uint_eq(timer_at, 5000);
	ck_assert_int_eq(call(VDEV_HC_EPOCH, 0, 0), 1);
	ck_assert_uint_eq(env.stats.bad_hypercalls, 1);
}
END_TEST

START_TEST(hc_unknown_and_snapshot)
{
	ck_assert_int_eq(call(0, 0, 0), VDEV_ENOSYS);
	ck_assert_int_eq(call(VDEV_HC_COUNT, 0, 0), VDEV_ENOSYS);
	ck_assert_int_eq(call(~0ull, 0, 0), VDEV_ENOSYS);
	ck_assert_int_eq(call(VDEV_HC_SNAP_REQUEST, 0, 0), VDEV_EAGAIN);
	ck_assert_int_eq(call(VDEV_HC_SNAP_WAIT, 1, 0), VDEV_EAGAIN);
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, 0x1000, 0), VDEV_EAGAIN);
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, RAM - 8, 0), VDEV_EFAULT);
	ck_assert_uint_eq(env.stats.bad_hypercalls, 4); /* EAGAIN is not a refusal */
	ck_assert_str_eq(vdev_hc_name(VDEV_HC_STATS), "stats");
	ck_assert_str_eq(vdev_hc_name(99), "?");
}
END_TEST

static void t_status(struct vdev_snap_status *o)
{
	*o = (struct vdev_snap_status){ 5, 4, 1, VDEV_SNAP_DEGRADED, -5, 3, 400000000 };
}

/* SNAP_STATUS: size 0 writes the version 1 layout only; the full size adds
 * the health fields (degraded, last error, failures, retry). */
START_TEST(hc_snap_status_sizes)
{
	env.snap_status = t_status;
	memset(ram + 0x4000, 0xEE, 64);
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, 0x4000, 0), 0);
	ck_assert_uint_eq(ram[0x4000 + VDEV_SNAP_STATUS_V1_SIZE], 0xEE); /* an old guest's struct ends there */
	struct vdev_snap_status st;
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, 0x4000, sizeof st), 0);
	memcpy(&st, ram + 0x4000, sizeof st);
	ck_assert_uint_eq(st.last_captured, 5);
	ck_assert_uint_eq(st.state, VDEV_SNAP_DEGRADED);
	ck_assert_int_eq(st.last_error, -5);
	ck_assert_uint_eq(st.failures, 3);
	ck_assert_uint_eq(ram[0x4000 + sizeof st], 0xEE);
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, 0x4000, 33), VDEV_EINVAL);
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, RAM - 40, sizeof st), VDEV_EFAULT);
	ck_assert_int_eq(call(VDEV_HC_SNAP_STATUS, RAM - 24, 0), 0);
}
END_TEST

START_TEST(hc_stats_wp_shutdown)
{
	env.stats.msr_refused = 7;
	call(99, 0, 0);
	ck_assert_int_eq(call(VDEV_HC_STATS, 0x3000, 0), 0);
	struct vdev_stats s;
	memcpy(&s, ram + 0x3000, sizeof s);
	ck_assert_uint_eq(s.msr_refused, 7);
	ck_assert_uint_eq(s.bad_hypercalls, 1);
	ck_assert_int_eq(call(VDEV_HC_STATS, RAM - sizeof s + 1, 0), VDEV_EFAULT);
	ck_assert_int_eq(call(VDEV_HC_WRITE_PROTECT, 0x5000, 0), 0);
	ck_assert_uint_eq(wp_gpa, 0x5000);
	ck_assert_int_eq(call(VDEV_HC_WRITE_PROTECT, 0x5001, 0), VDEV_EINVAL);
	ck_assert_int_eq(call(VDEV_HC_WRITE_PROTECT, RAM, 0), VDEV_EFAULT);
	ck_assert_int_eq(call(VDEV_HC_SHUTDOWN, 3, 0), 0);
	ck_assert_uint_eq(shutdown_code, 3);
}
END_TEST

static Suite *vdev_suite(void)
{
	Suite *s = suite_create("vdev");
	TCase *core = tcase_create("core"), *lim = tcase_create("limits");
	tcase_add_checked_fixture(core, env_setup, env_teardown);
	tcase_add_checked_fixture(lim, env_setup, env_teardown);
	tcase_add_test(lim, range_validator);
	tcase_add_test(core, hc_console);
	tcase_add_test(core, hc_clock_timer_epoch);
	tcase_add_test(core, hc_unknown_and_snapshot);
	tcase_add_test(core, hc_stats_wp_shutdown);
	tcase_add_test(core, hc_snap_status_sizes);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

/* ---- exit reasons, VMCS names and widths, controls ---- */

START_TEST(exit_reason_names)
{
	ck_assert_str_eq(exit_reason_name(EXIT_REASON_CPUID), "CPUID");
	ck_assert_str_eq(exit_reason_name(EXIT_REASON_EPT_VIOLATION), "EPT violation");
	ck_assert_str_eq(exit_reason_name(EXIT_REASON_PREEMPT_TIMER), "VMX-preemption timer");
	ck_assert_str_eq(exit_reason_name(EXIT_REASON_ENTRY_GUEST_STATE), "VM-entry failure: invalid guest state");
	ck_assert_str_eq(exit_reason_name(35), "unknown");  /* reserved number */
	ck_assert_str_eq(exit_reason_name(1000), "unknown");
	ck_assert_str_eq(exit_reason_name(~0u), "unknown");
	ck_assert_uint_eq(EXIT_REASON_BASIC(0x80000021u), 33);
}
END_TEST

START_TEST(vmcs_tables)
{
	ck_assert_str_eq(vmcs_field_name(VMCS_GUEST_RIP), "GUEST_RIP");
	ck_assert_str_eq(vmcs_field_name(VMCS_CTRL_EPTP), "CTRL_EPTP");
	ck_assert_str_eq(vmcs_field_name(0x7777), "?");
	ck_assert_int_eq(VMCS_WIDTH(VMCS_GUEST_RIP), VMCS_WIDTH_NAT);
	ck_assert_int_eq(VMCS_WIDTH(VMCS_CTRL_EPTP), VMCS_WIDTH_64);
	ck_assert_int_eq(VMCS_WIDTH(VMCS_CTRL_PIN), VMCS_WIDTH_32);
	ck_assert_int_eq(VMCS_WIDTH(VMCS_GUEST_CS_SEL), VMCS_WIDTH_16);
	ck_assert_str_eq(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	ck_assert_str_eq(vmx_insn_error_name(14), "unknown VM-instruction error");
	ck_assert_str_eq(vmx_insn_error_name(9999), "unknown VM-instruction error");
}
END_TEST

START_TEST(control_values)
{
	struct vmx_ctl c = { .must1 = 0x16, .may1 = 0x16 | PIN_PREEMPT_TIMER | PIN_EXT_INT_EXITING };
	ck_assert_uint_eq(vmx_ctl_value(c, PIN_PREEMPT_TIMER | (1u << 7)), 0x16 | PIN_PREEMPT_TIMER);
	ck_assert_uint_eq(vmx_ctl_value(c, 0), 0x16);
}
END_TEST

static Suite *exit_suite(void)
{
	Suite *s = suite_create("exit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, exit_reason_names);
	tcase_add_test(tc, vmcs_tables);
	tcase_add_test(tc, control_values);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- ELF validator ---- */

static uint8_t img[4096];

static void put16(unsigned off, uint16_t v) { memcpy(img + off, &v, 2); }
static void put32(unsigned off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(unsigned off, uint64_t v) { memcpy(img + off, &v, 8); }

/* A valid image: two PT_LOADs at 1 MiB (code) and 1 MiB + 8 KiB (data). */
static void elf_good(void)
{
	memset(img, 0, sizeof img);
	put32(0, 0x464C457F);
	img[4] = 2, img[5] = 1, img[6] = 1;
	put16(16, 2), put16(18, 62);
	put64(24, 0x100010);
	put64(32, 64);
	put16(54, 56), put16(56, 2);
	put32(64, 1), put32(68, 5), put64(72, 0x200), put64(88, 0x100000), put64(96, 0x100), put64(104, 0x100);
	put32(120, 1), put32(124, 6), put64(128, 0x300), put64(144, 0x102000), put64(152, 0x10), put64(160, 0x3000);
}

static struct elf_image ei;

START_TEST(elf_valid)
{
	elf_good();
	ck_assert_int_eq(elf_check(img, sizeof img, 0x100000, 64 << 20, &ei), 0);
	ck_assert_uint_eq(ei.n, 2);
	ck_assert_uint_eq(ei.entry, 0x100010);
	ck_assert_uint_eq(ei.end, 0x105000);
}
END_TEST

static void elf_bad(const char *what, uint64_t off)
{
	ck_assert_int_eq(elf_check(img, sizeof img, 0x100000, 64 << 20, &ei), HV_EINVAL);
	ck_assert_msg(strstr(ei.err_what, what), "'%s' lacks '%s'", ei.err_what, what);
	ck_assert_uint_eq(ei.err_offset, off);
}

START_TEST(elf_errors)
{
	elf_good(); img[0] = 0;           elf_bad("magic", 0);
	elf_good(); img[4] = 1;           elf_bad("ELFCLASS64", 4);
	elf_good(); put16(18, 3);         elf_bad("x86-64", 18);
	elf_good(); put16(16, 3);         elf_bad("executable", 16);
	elf_good(); put64(32, 4090);      elf_bad("program headers outside", 32);
	elf_good(); put16(56, 200);       elf_bad("program headers outside", 32);
	elf_good(); put64(88, 0x1000);    elf_bad("below the lowest", 64 + 24);
	elf_good(); put64(144, (64 << 20) - 0x10); elf_bad("beyond guest RAM", 120 + 24);
	elf_good(); put64(144, 0x100080); elf_bad("overlaps", 120 + 24);
	elf_good(); put64(72, 4000);      elf_bad("file bytes outside", 64 + 8);
	elf_good(); put64(96, 0x200);     elf_bad("p_filesz above p_memsz", 64 + 32);
	elf_good(); put64(24, 0x102000);  elf_bad("entry point", 24);
	elf_good(); put32(64, 0); put32(120, 0); elf_bad("no PT_LOAD", 32);
	ck_assert_int_eq(elf_check(img, 10, 0x100000, 64 << 20, &ei), HV_EINVAL);
	elf_good();
	ck_assert_int_eq(elf_check(img, 63, 0x100000, 64 << 20, &ei), HV_EINVAL);
}
END_TEST

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *core = tcase_create("core"), *err = tcase_create("errors");
	tcase_add_test(core, elf_valid);
	tcase_add_test(err, elf_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, err);
	return s;
}

/* ---- frame allocator, guest page tables ---- */

START_TEST(pmem_holes)
{
	struct mb2_region map[] = {
		{ 0, 0x9F000, MB2_MEM_AVAILABLE }, { 0x100000, 0xFEF0000, MB2_MEM_AVAILABLE },
		{ 0xFFF0000, 0x10000, MB2_MEM_ACPI }, { 0x100000000ull, 1ull << 30, MB2_MEM_AVAILABLE },
	};
	struct pmem_hole holes[] = { { 0, 0x100000 }, { 0x100000, 0x150123 }, { 0x160000, 0x161000 } };
	static struct pmem pm;
	ck_assert_int_eq(pmem_build(&pm, map, 4, holes, 3, 4ull << 30), 0);
	ck_assert_uint_eq(pm.n, 2);
	ck_assert_uint_eq(pm.r[0].base, 0x151000);
	ck_assert_uint_eq(pm.r[0].end, 0x160000);
	ck_assert_uint_eq(pm.r[1].base, 0x161000);
	ck_assert_uint_eq(pm.r[1].end, 0xFFF0000);
	uint64_t pa;
	ck_assert_int_eq(pmem_alloc_range(&pm, 512, 2 << 20, &pa), 0);
	ck_assert_uint_eq(pa, 0x200000);
	ck_assert_int_eq(pmem_alloc_range(&pm, 1, 4096, &pa), 0);
	ck_assert_uint_eq(pa, 0x151000);
	ck_assert_int_eq(pmem_alloc_range(&pm, 1ull << 20, 4096, &pa), HV_ENOMEM);
	ck_assert_int_eq(pmem_alloc_range(&pm, 1, 3000, &pa), HV_EINVAL);
	for (unsigned i = 0; i < pm.n; i++) /* nothing handed out is still free */
		ck_assert(pm.r[i].end <= 0x200000 || pm.r[i].base >= 0x400000);
}
END_TEST

/* The second CPU's trampoline page (hv/smp.h) must be RAM GRUB left alone. */
START_TEST(pmem_trampoline_page)
{
	struct mb2_region map[] = {
		{ 0, 0x9F000, MB2_MEM_AVAILABLE }, { 0x9F000, 0x1000, MB2_MEM_ACPI },
		{ 0x100000, 0xFEF0000, MB2_MEM_AVAILABLE },
	};
	struct pmem_hole mbi[] = { { 0x10000, 0x10800 } };
	ck_assert_int_eq(pmem_page_is_free_ram(map, 3, NULL, 0, 0x8000), 1);
	ck_assert_int_eq(pmem_page_is_free_ram(map, 3, mbi, 1, 0x8000), 1);
	ck_assert_int_eq(pmem_page_is_free_ram(map, 3, mbi, 1, 0x10000), 0); /* the MBI is there */
	ck_assert_int_eq(pmem_page_is_free_ram(map, 3, NULL, 0, 0x9F000), 0); /* reserved */
	ck_assert_int_eq(pmem_page_is_free_ram(map, 3, NULL, 0, 0x9E800), 0); /* straddles reserved */
	ck_assert_int_eq(pmem_page_is_free_ram(map, 3, NULL, 0, 0xA0000), 0); /* not in the map */
	struct mb2_region twice[] = { { 0, 0x9F000, MB2_MEM_AVAILABLE }, { 0x8000, 0x1000, MB2_MEM_ACPI } };
	ck_assert_int_eq(pmem_page_is_free_ram(twice, 2, NULL, 0, 0x8000), 0);
}
END_TEST

START_TEST(guest_page_tables)
{
	uint64_t ram_bytes = 3ull << 30; /* mem=3072: three PDs */
	uint8_t *g = calloc(1, 0x10000);
	ck_assert_uint_eq(guest_build_page_tables(g, 64 << 20, 0x2000), 0x2000);
	uint64_t *pml4 = (uint64_t *)(g + 0x2000), *pdpt = (uint64_t *)(g + 0x3000), *pd = (uint64_t *)(g + 0x4000);
	ck_assert_uint_eq(pml4[0], 0x3003);
	ck_assert_uint_eq(pdpt[0], 0x4003);
	ck_assert_uint_eq(pdpt[1], 0);
	ck_assert_uint_eq(pd[0], 0x83);
	ck_assert_uint_eq(pd[31], (31ull << 21) | 0x83);
	ck_assert_uint_eq(pd[32], 0); /* beyond 64 MiB: not mapped */
	memset(g, 0, 0x10000);
	guest_build_page_tables(g, ram_bytes, 0x2000);
	ck_assert_uint_eq(pdpt[2], 0x6003);
	ck_assert_uint_eq(((uint64_t *)(g + 0x6000))[511], ((3ull << 30) - (2 << 20)) | 0x83);
	free(g);
}
END_TEST

static Suite *mem_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, pmem_holes);
	tcase_add_test(tc, pmem_trampoline_page);
	tcase_add_test(tc, guest_page_tables);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- the vCPU state blob of a generation ---- */

static struct hv_state blob;

static void blob_set(uint32_t f, uint64_t v)
{
	for (uint32_t i = 0; i < blob.npairs; i++)
		if (blob.pairs[i].field == f)
			blob.pairs[i].value = v;
}

/* A blob as hv_state_save would write it: every carried field, plausible values. */
static void blob_good(void)
{
	memset(&blob, 0, sizeof blob);
	blob.magic = HV_STATE_MAGIC;
	blob.version = HV_STATE_VERSION;
#define X(name, enc) if (hv_state_carried(enc)) blob.pairs[blob.npairs++] = (struct hv_vmcs_pair){ enc, 0, 0 };
	VMCS_FIELDS(X)
#undef X
	blob.epoch = 1;
	blob_set(VMCS_GUEST_CR0, 0x80050033);   /* PG AM WP NE ET MP PE */
	blob_set(VMCS_GUEST_CR4, 0x2620);       /* VMXE OSXMMEXCPT OSFXSR PAE */
	blob_set(VMCS_GUEST_EFER, 0xD01);       /* NXE LMA LME SCE */
	blob_set(VMCS_GUEST_RFLAGS, 0x202);
	blob_set(VMCS_GUEST_RIP, 0xFFFFFFFF80100000ull);
	blob_set(VMCS_GUEST_CS_AR, 0xA09B);     /* 64-bit code, present */
	blob_set(VMCS_GUEST_SS_AR, 0xC093);
	blob_set(VMCS_GUEST_DS_AR, 0x10000);    /* unusable */
	blob_set(VMCS_GUEST_ES_AR, 0x10000);
	blob_set(VMCS_GUEST_FS_AR, 0x10000);
	blob_set(VMCS_GUEST_GS_AR, 0x10000);
	blob_set(VMCS_GUEST_LDTR_AR, 0x10000);
	blob_set(VMCS_GUEST_TR_AR, 0x8B);
	uint32_t mxcsr = 0x1F80;
	memcpy(blob.fxsave + 24, &mxcsr, 4);
	blob.lstar = 0xFFFFFFFF80001000ull;
}

static int blob_check(void)
{
	char why[200];
	return hv_state_check(&blob, sizeof blob, why, sizeof why);
}

/* A saved event injection survives the restore; inconsistent ones are refused. */
START_TEST(state_event_injection)
{
	blob_good();
	ck_assert_int_eq(blob_check(), 0);
	ck_assert_int_eq(hv_state_event_pending(&blob), 0);
	blob.event_set = 1;
	blob_set(VMCS_CTRL_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INT | 0x20);
	ck_assert_int_eq(blob_check(), 0);
	ck_assert_int_eq(hv_state_event_pending(&blob), 1);
	blob_set(VMCS_CTRL_ENTRY_INTR_INFO, 0);
	ck_assert_int_lt(blob_check(), 0);
	blob.event_set = 0;
	blob_set(VMCS_CTRL_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INT | 0x20);
	ck_assert_int_lt(blob_check(), 0);
	blob.event_set = 7;
	ck_assert_int_lt(blob_check(), 0);
}
END_TEST

/* Every field of a blob read from disk is checked before the CPU sees it:
 * each of these would fault in the hypervisor (WRMSR, FXRSTOR) or fail the
 * VM entry. */
START_TEST(state_blob_validated)
{
	struct hv_state_limits l = { .cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xFFFFFFFF, .cr4_fixed0 = 0x2000,
				     .cr4_fixed1 = 0x3767FF, .mxcsr_mask = 0xFFFF, .unrestricted = 1 };
	hv_state_set_limits(&l);
	blob_good();
	ck_assert_int_eq(blob_check(), 0);
	struct { uint32_t f; uint64_t v; } bad[] = {
		{ VMCS_GUEST_CR0, 0x80050033ull & ~(1ull << 5) },   /* NE is fixed to 1 */
		{ VMCS_GUEST_CR0, 0x80050033ull | (1ull << 40) },
		{ VMCS_GUEST_CR4, 0x620 },                            /* VMXE is fixed to 1 */
		{ VMCS_GUEST_CR4, 0x2620 | (1ull << 30) },            /* not in fixed1 */
		{ VMCS_GUEST_EFER, 0xD01 | (1ull << 12) },
		{ VMCS_GUEST_RFLAGS, 0x200 },
		{ VMCS_GUEST_RFLAGS, 0x202 | (1ull << 40) },
		{ VMCS_GUEST_RIP, 0x0000800000000000ull },
		{ VMCS_GUEST_GDTR_BASE, 0x1234567812345678ull },
		{ VMCS_GUEST_IDTR_LIMIT, 0x10000 },
		{ VMCS_GUEST_CS_AR, 0xE09B },                         /* L and D/B */
		{ VMCS_GUEST_CS_AR, 0x10000 },                        /* unusable CS */
		{ VMCS_GUEST_SS_AR, 0xC013 },                         /* usable, not present */
		{ VMCS_GUEST_SS_AR, 0xC093 | (1u << 9) | (1u << 20) },
		{ VMCS_GUEST_TR_AR, 0x1008B },
		{ VMCS_GUEST_ACTIVITY, 3 },
		{ VMCS_GUEST_INTERRUPTIBILITY, 1u << 7 },
		{ VMCS_GUEST_DR7, 1ull << 33 },
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		blob_good();
		blob_set(bad[i].f, bad[i].v);
		ck_assert_msg(blob_check() < 0, "field %04x = %llx accepted", bad[i].f, (unsigned long long)bad[i].v);
	}
	blob_good(); blob.lstar = 0x0000800000000000ull;     ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.kernel_gs = 0xFFFF000000000000ull; ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.cstar = 1ull << 50;                ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.fmask = 1ull << 32;                ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.pending = 1u << 5;                 ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.epoch = 0;                         ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.pairs[3].field = blob.pairs[2].field; ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.pairs[0].field = VMCS_CTRL_EPTP;   ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.npairs = HV_STATE_MAX_PAIRS + 1;   ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob.version = HV_STATE_VERSION + 1;    ck_assert_int_lt(blob_check(), 0);
	blob_good(); blob_set(VMCS_GUEST_CR0, 0x33);         ck_assert_int_lt(blob_check(), 0); /* LMA without PG */
	blob_good();
	uint32_t mxcsr = 0x1F80 | (1u << 16);               /* above MXCSR_MASK: FXRSTOR #GP */
	memcpy(blob.fxsave + 24, &mxcsr, 4);
	ck_assert_int_lt(blob_check(), 0);
	char why[200];
	blob_good();
	blob.lstar = 0x0000800000000000ull;
	hv_state_check(&blob, sizeof blob, why, sizeof why);
	ck_assert_msg(strstr(why, "LSTAR 800000000000"), "message names the field and value: %s", why);
}
END_TEST

/* A restored guest younger than the hypervisor's uptime: the offset wraps
 * and its deadlines must still lie in the future (they fired at once). */
START_TEST(timer_deadline_after_restore)
{
	uint64_t host_now = 50000000000ull;            /* hypervisor up 50 s */
	uint64_t guest_now = 2000000000ull;            /* restored guest 2 s old */
	uint64_t offset = guest_now - host_now;        /* wraps */
	ck_assert_uint_eq(vdev_deadline_host_ns(guest_now + 1000000, offset, host_now), host_now + 1000000);
	ck_assert_uint_eq(vdev_deadline_host_ns(guest_now, offset, host_now), 0);
	ck_assert_uint_eq(vdev_deadline_host_ns(guest_now - 5, offset, host_now), 0);
	/* an older guest: no wrap */
	offset = 100000000000ull - host_now;
	ck_assert_uint_eq(vdev_deadline_host_ns(100000000000ull + 7, offset, host_now), host_now + 7);
	ck_assert_uint_eq(vdev_deadline_host_ns(99000000000ull, offset, host_now), 0);
}
END_TEST

/* ---- the guest timer across a restore (hv/vdev_backend.c) ---- */

/* What vdev_backend.c reaches besides the timer: host time is a variable,
 * one TSC tick per ns. */
static uint64_t host_ns_now;
uint64_t time_mono_ns(void) { return host_ns_now; }
uint64_t time_wall_ns(void) { return 0; }
uint64_t time_ns_to_tsc(uint64_t ns) { return ns; }
int con_poll(void) { return 0; }
void con_out(const char *s, size_t n) { (void)s; (void)n; }
size_t con_in(char *buf, size_t n) { (void)buf; (void)n; return 0; }
void con_shutdown(void) {}
void guest_mem_attach(struct vcpu *v) { (void)v; }
int persist_guest_access(struct vcpu *v, uint64_t gpa, uint64_t len, int write)
{
	(void)v; (void)gpa; (void)len; (void)write;
	return 0;
}
void vmx_invept(struct vcpu *v) { (void)v; }

static struct vcpu tv;

static void timer_vcpu(uint32_t pending)
{
	memset(&tv, 0, sizeof tv);
	vdev_backend_init(&tv);
	host_ns_now = 50000000000ull; /* hypervisor up 50 s */
	tv.pending = pending;         /* as hv_state_apply loads it from the blob */
}

/* The migrate.sh stall (/work/evidence/mig-c-stalls.img): the handover
 * generation was captured in the HLT idle loop right after event_poll
 * found the deadline reached, so it holds deadline 0 and PEND_TIMER. The
 * restore re-armed the deadline the way TIMER_SET does, which cancels an
 * undelivered tick: the halted guest then had neither, and never woke. */
START_TEST(restore_keeps_a_fired_tick)
{
	timer_vcpu(PEND_TIMER);
	vdev_backend_restore(2000000000ull, 0);
	ck_assert_msg(tv.pending & PEND_TIMER, "the tick the generation holds is delivered after the restore");
	ck_assert_uint_eq(tv.timer_deadline_tsc, 0);
	ck_assert_uint_eq(tv.timer_deadline_ns, 0);
	ck_assert_uint_eq(vdev_backend_mono(), 2000000000ull);
	/* and a console interrupt that waited with it */
	timer_vcpu(PEND_TIMER | PEND_CONSOLE);
	vdev_backend_restore(2000000000ull, 2250000000ull);
	ck_assert_uint_eq(tv.pending, PEND_TIMER | PEND_CONSOLE);
}
END_TEST

/* The saved deadline comes back in the new host's time; one already past
 * fires at the first poll (a TSC of 1 is behind any rdtsc). */
START_TEST(restore_rearms_the_deadline)
{
	timer_vcpu(0);
	vdev_backend_restore(2000000000ull, 2250000000ull);
	ck_assert_uint_eq(tv.timer_deadline_ns, 2250000000ull);
	ck_assert_uint_eq(tv.timer_deadline_tsc, (50250000000ull) | 1);
	ck_assert_uint_eq(tv.pending, 0);
	timer_vcpu(0);
	vdev_backend_restore(2000000000ull, 1999000000ull);
	ck_assert_uint_eq(tv.timer_deadline_tsc, 1);
	ck_assert_uint_eq(tv.timer_deadline_ns, 1999000000ull);
}
END_TEST

/* TIMER_SET itself still replaces the deadline and cancels an undelivered
 * tick (vdev/ABI.md), through the hypercall. */
START_TEST(timer_set_cancels_a_fired_tick)
{
	timer_vcpu(PEND_TIMER | PEND_CONSOLE);
	vdev_backend_set_mono(2000000000ull);
	tv.env.timer_set(0);
	ck_assert_uint_eq(tv.pending, PEND_CONSOLE);
	ck_assert_uint_eq(tv.timer_deadline_tsc, 0);
	tv.pending |= PEND_TIMER;
	tv.env.timer_set(2100000000ull);
	ck_assert_uint_eq(tv.pending, PEND_CONSOLE);
	ck_assert_uint_eq(tv.timer_deadline_tsc, 50100000000ull | 1);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, state_event_injection);
	tcase_add_test(tc, state_blob_validated);
	tcase_add_test(tc, timer_deadline_after_restore);
	tcase_add_test(tc, restore_keeps_a_fired_tick);
	tcase_add_test(tc, restore_rearms_the_deadline);
	tcase_add_test(tc, timer_set_cancels_a_fired_tick);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(ept_suite(), cpuid_suite(), msr_suite(), vdev_suite(), exit_suite(), elf_suite(),
			 mem_suite(), state_suite(), NULL);
}
