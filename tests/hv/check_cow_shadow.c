/*
 * tests/hv/check_cow_shadow.c — host unit tests of copy-on-write by copy
 * (hv/cow_shadow.c) over the real EPT code and a malloc'd guest RAM: which
 * pages a fault shadows, that the shadows keep the captured content while
 * the guest writes on, that write access comes back, and the release.
 * The AP is a stub that runs its share at once (or is absent).
 */
#include <stdlib.h>
#include <string.h>

#include "hv/cow_shadow.h"
#include "hv/ept.h"
#include "hv/guest_mem.h"
#include "hv/hv.h"
#include "hv/pmem.h"
#include "hv/smp.h"
#include "tests/unit.h"

/* ---- stubs: frames from malloc, an AP that runs its call at once ---- */

struct pmem hv_pmem;

int pmem_alloc_contig(uint64_t n, uint64_t align, uint64_t *pa)
{
	(void)align;
	void *p = calloc(n, PAGE_SIZE);
	*pa = (uintptr_t)p;
	return p ? 0 : HV_ENOMEM;
}

int pmem_alloc_range(struct pmem *pm, uint64_t n, uint64_t align, uint64_t *pa)
{
	(void)pm;
	return pmem_alloc_contig(n, align, pa);
}

static int ap_present, ap_calls;

int smp_ap_call(void (*fn)(void *), void *arg)
{
	if (!ap_present)
		return 0;
	ap_calls++;
	fn(arg);
	return 1;
}

int smp_ap_join(void) { return 0; }

/* EPT tables over malloc'd pages (the fake physical address is the pointer). */
static int t_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return pmem_alloc_contig(1, PAGE_SIZE, pa);
}
static void *t_p2v(void *ctx, uint64_t pa) { (void)ctx; return (void *)(uintptr_t)pa; }

/* ---- a guest of NPAGES frames, every word of frame g holding g ---- */

#define NPAGES 3000u /* more than COW_SHADOW_SLOTS */

static struct vcpu v;

static void guest_setup(void)
{
	memset(&v, 0, sizeof v);
	v.ram_bytes = NPAGES * PAGE_SIZE;
	uint64_t *ram = calloc(NPAGES, PAGE_SIZE);
	ck_assert_ptr_nonnull(ram);
	v.ram_hpa = (uintptr_t)ram;
	for (uint64_t g = 0; g < NPAGES; g++)
		for (unsigned w = 0; w < 512; w++)
			ram[g * 512 + w] = g;
	struct ept_ops ops = { NULL, t_alloc, t_p2v };
	ck_assert_int_eq(ept_init(&v.ept, &ops, 1), 0);
	ck_assert_int_eq(ept_map_range(&v.ept, 0, 0x100000000ull, v.ram_bytes, EPT_RWX), 0);
	ck_assert_int_eq(cow_shadow_init(&v), 0);
}

static uint64_t *leaf(uint64_t g) { return ept_leaf(&v.ept, g << 12); }
static void capture(uint64_t g) { *leaf(g) &= ~EPT_W; } /* as the engine's capture */
static uint64_t *page(uint64_t g) { return gpa_ptr(&v, g << 12); }

static void check_shadow_of(uint64_t g, uint64_t want)
{
	const uint64_t *s = (const uint64_t *)cow_shadow_page(g);
	ck_assert_msg(s != NULL, "frame %llu has no shadow", (unsigned long long)g);
	for (unsigned w = 0; w < 512; w++)
		ck_assert_uint_eq(s[w], want);
}

static void window_case(int with_ap)
{
	guest_setup();
	ap_present = with_ap;
	ap_calls = 0;
	/* captured: 10..29 and 400..419 (inside the window from 10), 900 (outside) */
	for (uint64_t g = 10; g < 30; g++)
		capture(g);
	for (uint64_t g = 400; g < 420; g++)
		capture(g);
	capture(900);
	ck_assert_int_eq(cow_shadow_fault(5), 0);   /* writable: not the shadows' */
	*leaf(7) &= ~EPT_RWX;                       /* absent: not the shadows' either */
	ck_assert_int_eq(cow_shadow_fault(7), 0);
	ck_assert_int_eq(cow_shadow_fault(12), 1);
	ck_assert_uint_eq(cow_shadow_take_count(), 18 + 20); /* 12..29 and 400..419 */
	ck_assert_int_eq(ap_calls, with_ap);
	for (uint64_t g = 12; g < 30; g++) {
		ck_assert(*leaf(g) & EPT_W);
		check_shadow_of(g, g);
	}
	for (uint64_t g = 400; g < 420; g++)
		check_shadow_of(g, g);
	ck_assert_ptr_null(cow_shadow_page(10)); /* before the fault: the engine's */
	ck_assert(!(*leaf(10) & EPT_W));
	ck_assert_ptr_null(cow_shadow_page(900)); /* beyond the window */
	ck_assert(!(*leaf(900) & EPT_W));
	ck_assert_ptr_null(cow_shadow_page(5));
	/* The guest writes on: the shadow keeps the captured content. */
	page(12)[0] = 0xDEAD;
	page(419)[511] = 0xBEEF;
	check_shadow_of(12, 12);
	check_shadow_of(419, 419);
	/* A shadowed page faulting again (stale TLB) is no longer captured. */
	ck_assert_int_eq(cow_shadow_fault(12), 0);
	ck_assert_int_eq(cow_shadow_fault(900), 1);
	ck_assert_uint_eq(cow_shadow_take_count(), 1);
	check_shadow_of(900, 900);
	/* The generation ends: no shadow is left; the next one shadows anew. */
	cow_shadow_release();
	for (uint64_t g = 0; g < NPAGES; g++)
		ck_assert_ptr_null(cow_shadow_page(g));
	capture(12);
	ck_assert_int_eq(cow_shadow_fault(12), 1);
	const uint64_t *s = (const uint64_t *)cow_shadow_page(12);
	ck_assert_uint_eq(s[0], 0xDEAD); /* today's content */
	ck_assert_uint_eq(s[1], 12);
	cow_shadow_release();
}

START_TEST(window_bsp_alone) { window_case(0); }
END_TEST

START_TEST(window_shared_with_ap) { window_case(1); }
END_TEST

/* More captured pages than slots: the window stops at the last slot and a
 * later fault is left to the engine (0). */
START_TEST(slots_run_out)
{
	guest_setup();
	ap_present = 1;
	for (uint64_t g = 0; g < NPAGES; g++)
		capture(g);
	uint64_t faults = 0;
	for (uint64_t g = 0; g < NPAGES && cow_shadow_fault(g); g += COW_SHADOW_WINDOW)
		faults++;
	ck_assert_uint_eq(cow_shadow_take_count(), COW_SHADOW_SLOTS);
	ck_assert_uint_eq(faults, COW_SHADOW_SLOTS / COW_SHADOW_WINDOW);
	ck_assert_int_eq(cow_shadow_fault(NPAGES - 1), 0);
	ck_assert(!(*leaf(NPAGES - 1) & EPT_W));
	cow_shadow_release();
}
END_TEST

static Suite *shadow_suite(void)
{
	Suite *s = suite_create("cow_shadow");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, window_bsp_alone);
	tcase_add_test(tc, window_shared_with_ap);
	tcase_add_test(tc, slots_run_out);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(shadow_suite(), NULL);
}
