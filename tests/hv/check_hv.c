/*
 * tests/hv/check_hv.c — host unit tests of the hypervisor's pure parts:
 * the multiboot2 parser (synthetic tag lists, well-formed and malformed),
 * the command line, VT-x capability decoding, and the formatter.
 */
#include <stdint.h>
#include <string.h>

#include "hv/config.h"
#include "hv/hv.h"
#include "hv/mb2.h"
#include "hv/vmxcap.h"
#include "tests/unit.h"

/* ---- a builder for synthetic multiboot2 structures ---- */

static _Alignas(8) uint8_t mbi[4096];
static uint32_t mbi_len;

static void mb_begin(void)
{
	memset(mbi, 0xEE, sizeof mbi);
	mbi_len = 8;
}

static uint8_t *mb_tag(uint32_t type, uint32_t size)
{
	uint8_t *t = mbi + mbi_len;
	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	mbi_len += (size + 7) & ~7u;
	return t;
}

static void mb_string(uint32_t type, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;
	memcpy(mb_tag(type, 8 + n) + 8, s, n);
}

static void mb_module(uint32_t start, uint32_t end, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;
	uint8_t *t = mb_tag(MB2_TAG_MODULE, 16 + n);
	memcpy(t + 8, &start, 4);
	memcpy(t + 12, &end, 4);
	memcpy(t + 16, s, n);
}

static void mb_mmap(unsigned n, uint32_t esize)
{
	uint8_t *t = mb_tag(MB2_TAG_MMAP, 16 + n * esize);
	uint32_t ver = 0;
	memcpy(t + 8, &esize, 4);
	memcpy(t + 12, &ver, 4);
	for (unsigned i = 0; i < n; i++) {
		uint64_t base = (uint64_t)i << 20, len = 1 << 20;
		uint32_t type = i % 2 ? MB2_MEM_AVAILABLE : 2;
		memcpy(t + 16 + i * esize, &base, 8);
		memcpy(t + 24 + i * esize, &len, 8);
		memcpy(t + 32 + i * esize, &type, 4);
	}
}

static void mb_end(void)
{
	mb_tag(MB2_TAG_END, 8);
	memcpy(mbi, &mbi_len, 4);
}

static struct mb2_info info;

START_TEST(mb2_full_structure)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "mem=64 guest=counter");
	mb_string(MB2_TAG_LOADER, "GRUB 2.06");
	mb_tag(21, 12); /* an unknown tag (load base address) is skipped */
	mb_module(0x200000, 0x201000, "guest");
	mb_module(0x300000, 0x300000, "pvm");
	mb_mmap(3, 24);
	mb_end();
	ck_assert_int_eq(mb2_parse(mbi, mbi_len, &info), 0);
	ck_assert_str_eq(info.cmdline, "mem=64 guest=counter");
	ck_assert_str_eq(info.loader, "GRUB 2.06");
	ck_assert_uint_eq(info.n_modules, 2);
	ck_assert_str_eq(info.modules[0].name, "guest");
	ck_assert_uint_eq(info.modules[0].end - info.modules[0].start, 0x1000);
	ck_assert_uint_eq(info.modules[1].end, info.modules[1].start);
	ck_assert_uint_eq(info.n_mmap, 3);
	ck_assert_uint_eq(info.mmap[2].base, 2 << 20);
	ck_assert_uint_eq(info.mmap[1].type, MB2_MEM_AVAILABLE);
}
END_TEST

START_TEST(mb2_larger_mmap_entries)
{
	mb_begin();
	mb_mmap(2, 32); /* a future entry version with extra fields */
	mb_end();
	ck_assert_int_eq(mb2_parse(mbi, mbi_len, &info), 0);
	ck_assert_uint_eq(info.n_mmap, 2);
	ck_assert_uint_eq(info.mmap[1].len, 1 << 20);
}
END_TEST

START_TEST(mb2_empty_is_fine)
{
	mb_begin();
	mb_end();
	ck_assert_int_eq(mb2_parse(mbi, mbi_len, &info), 0);
	ck_assert_uint_eq(info.n_mmap + info.n_modules, 0);
	ck_assert_str_eq(info.cmdline, "");
}
END_TEST

static void expect_error(size_t avail, const char *what, uint32_t off)
{
	int e = mb2_parse(mbi, avail, &info);
	ck_assert_int_lt(e, 0);
	ck_assert_ptr_nonnull(info.err_what);
	ck_assert_msg(strstr(info.err_what, what), "error '%s' lacks '%s'", info.err_what, what);
	ck_assert_uint_eq(info.err_offset, off);
}

START_TEST(mb2_too_short)
{
	mb_begin();
	mb_end();
	expect_error(12, "shorter than 16", 0);
}
END_TEST

START_TEST(mb2_total_size_beyond_buffer)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "x");
	mb_end();
	expect_error(mbi_len - 1, "total_size", 0);
	uint32_t huge = 0xFFFFFFF0;
	memcpy(mbi, &huge, 4);
	expect_error(sizeof mbi, "total_size", 0);
}
END_TEST

START_TEST(mb2_missing_end_tag)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "x");
	memcpy(mbi, &mbi_len, 4); /* no end tag: runs into total_size */
	expect_error(mbi_len, "no end tag", mbi_len);
}
END_TEST

START_TEST(mb2_tag_size_too_small)
{
	mb_begin();
	mb_tag(MB2_TAG_CMDLINE, 4); /* claims less than its own header */
	mb_end();
	expect_error(mbi_len, "tag size", 12);
}
END_TEST

START_TEST(mb2_tag_beyond_total)
{
	mb_begin();
	uint8_t *t = mb_tag(MB2_TAG_CMDLINE, 16);
	mb_end();
	uint32_t big = 4000;
	memcpy(t + 4, &big, 4);
	expect_error(mbi_len, "tag size", 12);
}
END_TEST

START_TEST(mb2_unterminated_cmdline)
{
	mb_begin();
	uint8_t *t = mb_tag(MB2_TAG_CMDLINE, 12);
	memcpy(t + 8, "abcd", 4); /* no NUL inside the tag */
	mb_end();
	expect_error(mbi_len, "string not terminated", 16);
}
END_TEST

START_TEST(mb2_module_backwards)
{
	mb_begin();
	mb_module(0x5000, 0x4000, "bad");
	mb_end();
	expect_error(mbi_len, "ends before it starts", 20);
}
END_TEST

START_TEST(mb2_too_many_modules)
{
	mb_begin();
	for (int i = 0; i <= MB2_MAX_MODULES; i++)
		mb_module(0, 0, "m");
	mb_end();
	ck_assert_int_eq(mb2_parse(mbi, mbi_len, &info), HV_ENOSPC);
	ck_assert_str_eq(info.err_what, "too many modules");
}
END_TEST

START_TEST(mb2_bad_mmap_entry_size)
{
	mb_begin();
	mb_mmap(1, 20);
	mb_end();
	expect_error(mbi_len, "entry_size", 16);
}
END_TEST

START_TEST(mb2_too_many_regions)
{
	mb_begin();
	mb_mmap(MB2_MAX_MMAP + 1, 24);
	mb_end();
	ck_assert_int_eq(mb2_parse(mbi, mbi_len, &info), HV_ENOSPC);
}
END_TEST

START_TEST(mb2_bad_end_tag)
{
	mb_begin();
	mb_tag(MB2_TAG_END, 16);
	memcpy(mbi, &mbi_len, 4);
	expect_error(mbi_len, "end tag size", 12);
}
END_TEST

/* Every truncation of a valid structure is rejected or parsed, never overread. */
START_TEST(mb2_every_truncation)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "mem=64");
	mb_module(1, 2, "guest");
	mb_mmap(2, 24);
	mb_end();
	uint32_t full = mbi_len;
	for (uint32_t n = 0; n < full; n++) {
		memcpy(mbi, &n, 4);
		ck_assert_int_lt(mb2_parse(mbi, n, &info), 0);
	}
}
END_TEST

static Suite *mb2_suite(void)
{
	Suite *s = suite_create("mb2");
	TCase *core = tcase_create("core"), *err = tcase_create("errors");
	tcase_add_test(core, mb2_full_structure);
	tcase_add_test(core, mb2_larger_mmap_entries);
	tcase_add_test(core, mb2_empty_is_fine);
	tcase_add_test(err, mb2_too_short);
	tcase_add_test(err, mb2_total_size_beyond_buffer);
	tcase_add_test(err, mb2_missing_end_tag);
	tcase_add_test(err, mb2_tag_size_too_small);
	tcase_add_test(err, mb2_tag_beyond_total);
	tcase_add_test(err, mb2_unterminated_cmdline);
	tcase_add_test(err, mb2_module_backwards);
	tcase_add_test(err, mb2_too_many_modules);
	tcase_add_test(err, mb2_bad_mmap_entry_size);
	tcase_add_test(err, mb2_too_many_regions);
	tcase_add_test(err, mb2_bad_end_tag);
	tcase_add_test(err, mb2_every_truncation);
	suite_add_tcase(s, core);
	suite_add_tcase(s, err);
	return s;
}

/* ---- command line ---- */

static struct hv_config cfg;
static char err[160];

START_TEST(cfg_defaults)
{
	ck_assert_int_eq(hv_config_parse("", &cfg, err, sizeof err), 0);
	ck_assert_uint_eq(cfg.mem_mib, 64);
	ck_assert_str_eq(cfg.guest, "pvm");
	ck_assert_uint_eq(cfg.snap_ms, 500);
	ck_assert_int_eq(cfg.dirty, DIRTY_AUTO);
	ck_assert_int_eq(cfg.format, 0);
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert_int_eq(hv_config_parse(NULL, &cfg, err, sizeof err), 0);
}
END_TEST

START_TEST(cfg_all_options)
{
	ck_assert_int_eq(hv_config_parse("/boot/hv.elf  mem=512\tguest=counter snap_ms=100 dirty=wp tick_hz=10 format",
					 &cfg, err, sizeof err), 0);
	ck_assert_uint_eq(cfg.mem_mib, 512);
	ck_assert_str_eq(cfg.guest, "counter");
	ck_assert_uint_eq(cfg.snap_ms, 100);
	ck_assert_int_eq(cfg.dirty, DIRTY_WP);
	ck_assert_uint_eq(cfg.tick_hz, 10);
	ck_assert_int_eq(cfg.format, 1);
	ck_assert_int_eq(hv_config_parse("restore=eager", &cfg, err, sizeof err), 0);
	ck_assert_int_eq(cfg.eager_restore, 1);
	ck_assert_int_eq(cfg.console_direct, 0); /* held is the default */
	ck_assert_uint_eq(cfg.hold_ms, 10);
	ck_assert_int_eq(hv_config_parse("console=direct hold_ms=0 stats", &cfg, err, sizeof err), 0);
	ck_assert_int_eq(cfg.console_direct, 1);
	ck_assert_uint_eq(cfg.hold_ms, 0);
	ck_assert_int_eq(cfg.stats, 1);
	ck_assert_int_eq(hv_config_parse("console=held", &cfg, err, sizeof err), 0);
	ck_assert_int_eq(cfg.console_direct, 0);
	ck_assert_int_eq(hv_config_parse("guest=pvm pvm=ru.dz.phantom.system.regression_tests", &cfg, err, sizeof err), 0);
	ck_assert_str_eq(cfg.guest, "pvm");
	ck_assert_int_eq(hv_config_parse("cpus=2", &cfg, err, sizeof err), 0);
	ck_assert_uint_eq(cfg.cpus, 2);
}
END_TEST

static void cfg_rejects(const char *line, const char *msg)
{
	ck_assert_int_lt(hv_config_parse(line, &cfg, err, sizeof err), 0);
	ck_assert_msg(strstr(err, msg), "for '%s': message '%s' lacks '%s'", line, err, msg);
}

START_TEST(cfg_pvm_class)
{
	cfg_rejects("pvm=", "option pvm=: want a class name");
	cfg_rejects("pvm", "option pvm=: want a class name");
	cfg_rejects("pvm=a/b", "option pvm=a/b: want a class name");
}
END_TEST

START_TEST(cfg_errors)
{
	cfg_rejects("bogus", "unknown option 'bogus'");
	cfg_rejects("mem=64 frob=1", "unknown option 'frob'");
	cfg_rejects("mem=abc", "option mem=abc: want a number in 16..3072");
	cfg_rejects("mem=", "option mem=: want a number");
	cfg_rejects("mem", "option mem=: want a number");
	cfg_rejects("mem=8", "16..3072");
	cfg_rejects("mem=99999999999999999999999", "16..3072");
	cfg_rejects("mem=-5", "16..3072");
	cfg_rejects("snap_ms=0", "10..600000");
	cfg_rejects("guest=evil", "option guest=evil: want default, hostile, counter, bench, workload, spin or pvm");
	cfg_rejects("dirty=fast", "option dirty=fast: want auto, pml, ad or wp");
	cfg_rejects("format=yes", "format takes no value");
	cfg_rejects("restore=fast", "option restore=fast: want lazy or eager");
	cfg_rejects("console=raw", "option console=raw: want held or direct");
	cfg_rejects("console", "option console=: want held or direct");
	cfg_rejects("hold_ms=60001", "0..60000");
	cfg_rejects("cpus=0", "option cpus=0: want a number in 1..2");
	cfg_rejects("cpus=3", "option cpus=3: want a number in 1..2");
	cfg_rejects("cpus", "option cpus=: want a number in 1..2");
	cfg_rejects("stats=1", "stats takes no value");
	cfg_rejects("mem=64 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "longer than 63");
	cfg_rejects("mem=64 /boot/hv.elf", "unknown option '/boot/hv.elf'");
}
END_TEST

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, cfg_defaults);
	tcase_add_test(tc, cfg_all_options);
	tcase_add_test(tc, cfg_errors);
	tcase_add_test(tc, cfg_pvm_class);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- VT-x capabilities ---- */

/* The MSR values Bochs' corei7_skylake_x reports (shape, not every bit). */
static struct vmx_raw bochs_like(void)
{
	struct vmx_raw r = { 0 };
	r.cpuid1_ecx = CPUID1_ECX_VMX;
	r.feature_control = FEATCTL_LOCK | FEATCTL_VMX_OUTSIDE_SMX;
	r.basic = 43 | (4096ull << 32) | (6ull << 50) | VMX_BASIC_TRUE_CTLS;
	r.pinbased = ((uint64_t)(PIN_PREEMPT_TIMER | 0x16) << 32) | 0x16;
	r.procbased = ((uint64_t)(PROC_ACTIVATE_SECONDARY | 0x0401E172) << 32) | 0x0401E172;
	r.procbased2 = (uint64_t)(PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST |
				  PROC2_ENABLE_PML) << 32;
	r.ept_vpid_cap = EPT_CAP_WALK4 | EPT_CAP_MEMTYPE_UC | EPT_CAP_MEMTYPE_WB | EPT_CAP_2M_PAGE |
			 EPT_CAP_INVEPT | EPT_CAP_AD | EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL |
			 VPID_CAP_INVVPID;
	r.misc = 0;
	return r;
}

static struct vmx_caps caps;

START_TEST(vmx_full_caps)
{
	struct vmx_raw r = bochs_like();
	vmx_caps_decode(&r, &caps);
	ck_assert(caps.vmx && caps.enabled && caps.locked && caps.true_ctls);
	ck_assert_uint_eq(caps.revision, 43);
	ck_assert_uint_eq(caps.region_size, 4096);
	ck_assert(caps.ept && caps.ept_walk4 && caps.ept_wb && caps.ept_ad && caps.pml);
	ck_assert(caps.vpid && caps.invvpid && caps.unrestricted && caps.preempt_timer);
	ck_assert_int_eq(vmx_caps_check(&caps, err, sizeof err), 0);
	vmx_caps_summary(&caps, err, sizeof err);
	ck_assert_str_eq(err, "vmx=yes ept=yes ad=yes pml=yes vpid=yes ug=yes preempt=yes(rate 0) rev=43");
}
END_TEST

static void vmx_missing(struct vmx_raw r, const char *msg)
{
	vmx_caps_decode(&r, &caps);
	ck_assert_int_eq(vmx_caps_check(&caps, err, sizeof err), HV_ENOTSUP);
	ck_assert_msg(strstr(err, msg), "message '%s' lacks '%s'", err, msg);
}

START_TEST(vmx_missing_parts)
{
	struct vmx_raw r = bochs_like();
	r.cpuid1_ecx = 0;
	vmx_missing(r, "no VT-x (CPUID.1:ECX.VMX[bit 5] = 0)");

	r = bochs_like();
	r.feature_control = FEATCTL_LOCK;
	vmx_missing(r, "disabled by the firmware");

	r = bochs_like();
	r.procbased &= ~((uint64_t)PROC_ACTIVATE_SECONDARY << 32);
	vmx_missing(r, "secondary processor-based controls");

	r = bochs_like();
	r.procbased2 &= ~((uint64_t)PROC2_ENABLE_EPT << 32);
	vmx_missing(r, "lacks EPT");

	r = bochs_like();
	r.ept_vpid_cap &= ~EPT_CAP_MEMTYPE_WB;
	vmx_missing(r, "write-back");

	r = bochs_like();
	r.ept_vpid_cap &= ~(EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL);
	vmx_missing(r, "INVEPT");

	r = bochs_like();
	r.pinbased &= ~((uint64_t)PIN_PREEMPT_TIMER << 32);
	vmx_missing(r, "preemption timer");
}
END_TEST

START_TEST(vmx_optional_parts)
{
	struct vmx_raw r = bochs_like();
	r.ept_vpid_cap &= ~EPT_CAP_AD; /* no A/D bits: no PML either, still runs */
	r.feature_control = 0;         /* unlocked: the hypervisor enables it */
	r.misc = 5;
	vmx_caps_decode(&r, &caps);
	ck_assert(!caps.ept_ad && !caps.pml && caps.enabled && !caps.locked);
	ck_assert_uint_eq(caps.preempt_rate, 5);
	ck_assert_int_eq(vmx_caps_check(&caps, err, sizeof err), 0);
}
END_TEST

static Suite *vmx_suite(void)
{
	Suite *s = suite_create("vmxcap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, vmx_full_caps);
	tcase_add_test(tc, vmx_missing_parts);
	tcase_add_test(tc, vmx_optional_parts);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- formatter ---- */

START_TEST(fmt_basics)
{
	char b[64];
	amber_snprintf(b, sizeof b, "%d|%5d|%-4u|%08x|%llx|%s|%c|%%", -42, 7, 3u, 0xbeefu,
		    0x123456789abcull, "str", 'z');
	ck_assert_str_eq(b, "-42|    7|3   |0000beef|123456789abc|str|z|%");
	ck_assert_int_eq(amber_snprintf(b, 4, "%s", "truncated"), 9);
	ck_assert_str_eq(b, "tru");
	ck_assert_int_eq(amber_snprintf(b, sizeof b, "%05d", -3), 5);
	ck_assert_str_eq(b, "-0003");
}
END_TEST

static Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, fmt_basics);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_main(mb2_suite(), cfg_suite(), vmx_suite(), fmt_suite(), NULL);
}
