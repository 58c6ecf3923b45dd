/*
 * hv/config.c — command-line parser (see config.h for the options).
 */
#include "hv/config.h"
#include "hv/hv.h"

#define TOKEN_MAX 64

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Parses a decimal number in [lo, hi]; no sign, no overflow. */
static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return HV_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return HV_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > hi)
			return HV_ERANGE;
	}
	if (v < lo)
		return HV_ERANGE;
	*out = (uint32_t)v;
	return 0;
}

static const char *const guests[] = { "default", "hostile", "counter", "bench", "workload", "spin", "pvm" };
static const char *const tiers[] = { "auto", "pml", "ad", "wp" };

const char *hv_dirty_tier_name(enum dirty_tier t)
{
	return (unsigned)t < 4 ? tiers[t] : "?";
}

static int apply(struct hv_config *cfg, const char *key, const char *val, char *err, size_t errlen)
{
	struct { const char *name; uint32_t lo, hi; uint32_t *dst; } nums[] = {
		{ "mem", 16, 3072, &cfg->mem_mib },
		{ "snap_ms", 10, 600000, &cfg->snap_ms },
		{ "tick_hz", 1, 1000, &cfg->tick_hz },
		{ "hold_ms", 0, 60000, &cfg->hold_ms },
		{ "faults", 1, 0xFFFFFFFFu, &cfg->faults },
		{ "cpus", 1, 2, &cfg->cpus },
	};
	for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (!streq(key, nums[i].name))
			continue;
		int e = val ? parse_u32(val, nums[i].lo, nums[i].hi, nums[i].dst) : HV_EINVAL;
		if (e)
			amber_snprintf(err, errlen, "option %s=%s: want a number in %u..%u", key,
				    val ? val : "", nums[i].lo, nums[i].hi);
		return e;
	}
	if (streq(key, "guest")) {
		for (unsigned i = 0; val && i < sizeof guests / sizeof guests[0]; i++)
			if (streq(val, guests[i])) {
				amber_snprintf(cfg->guest, sizeof cfg->guest, "%s", val);
				return 0;
			}
		amber_snprintf(err, errlen, "option guest=%s: want default, hostile, counter, bench, workload, spin or pvm", val ? val : "");
		return HV_EINVAL;
	}
	if (streq(key, "dirty")) {
		for (unsigned i = 0; val && i < 4; i++)
			if (streq(val, tiers[i])) {
				cfg->dirty = (enum dirty_tier)i;
				return 0;
			}
		amber_snprintf(err, errlen, "option dirty=%s: want auto, pml, ad or wp", val ? val : "");
		return HV_EINVAL;
	}
	if (streq(key, "restore")) {
		if (val && (streq(val, "lazy") || streq(val, "eager"))) {
			cfg->eager_restore = streq(val, "eager");
			return 0;
		}
		amber_snprintf(err, errlen, "option restore=%s: want lazy or eager", val ? val : "");
		return HV_EINVAL;
	}
	if (streq(key, "console")) { /* hv/console_hold.c */
		if (val && (streq(val, "held") || streq(val, "direct"))) {
			cfg->console_direct = streq(val, "direct");
			return 0;
		}
		amber_snprintf(err, errlen, "option console=%s: want held or direct", val ? val : "");
		return HV_EINVAL;
	}
	if (streq(key, "stats")) { /* figures for make bench (config.h) */
		if (val) {
			amber_snprintf(err, errlen, "option stats takes no value (got stats=%s)", val);
			return HV_EINVAL;
		}
		cfg->stats = 1;
		return 0;
	}
	/* The world's init class, read by the guest (guest/world.c): a Phantom
	 * class name, letters, digits, '.', '_' and '$'. */
	if (streq(key, "pvm")) {
		int ok = val && *val;
		for (const char *c = val; ok && *c; c++)
			ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			     *c == '.' || *c == '_' || *c == '$';
		if (!ok) {
			amber_snprintf(err, errlen, "option pvm=%s: want a class name (letters, digits, '.', '_', '$')",
				    val ? val : "");
			return HV_EINVAL;
		}
		return 0;
	}
	if (streq(key, "format")) {
		if (val) {
			amber_snprintf(err, errlen, "option format takes no value (got format=%s)", val);
			return HV_EINVAL;
		}
		cfg->format = 1;
		return 0;
	}
	if (streq(key, "takeback")) { /* hv/ctl.c: resume a handed-over store */
		if (val) {
			amber_snprintf(err, errlen, "option takeback takes no value (got takeback=%s)", val);
			return HV_EINVAL;
		}
		cfg->takeback = 1;
		return 0;
	}
	amber_snprintf(err, errlen, "unknown option '%s'", key);
	return HV_EINVAL;
}

int hv_config_parse(const char *cmdline, struct hv_config *cfg, char *err, size_t errlen)
{
	*cfg = (struct hv_config){ .mem_mib = 64, .snap_ms = 500, .dirty = DIRTY_AUTO, .tick_hz = 4,
				    .hold_ms = 10, .cpus = 1 };
	amber_snprintf(cfg->guest, sizeof cfg->guest, "pvm");
	if (errlen)
		err[0] = '\0';
	const char *p = cmdline ? cmdline : "";
	for (int first = 1;; first = 0) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		char tok[TOKEN_MAX];
		size_t n = 0;
		while (*p && *p != ' ' && *p != '\t') {
			if (n == TOKEN_MAX - 1) {
				amber_snprintf(err, errlen, "an option is longer than %d characters", TOKEN_MAX - 1);
				return HV_ERANGE;
			}
			tok[n++] = *p++;
		}
		tok[n] = '\0';
		if (first && tok[0] == '/')
			continue;
		char *val = NULL;
		for (char *q = tok; *q; q++)
			if (*q == '=') {
				*q = '\0';
				val = q + 1;
				break;
			}
		int e = apply(cfg, tok, val, err, errlen);
		if (e)
			return e;
	}
}
