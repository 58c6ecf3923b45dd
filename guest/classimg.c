/* guest/classimg.c — the class image, an ar archive (guest/classimg.h). */
#include "guest/classimg.h"
#include "guest/fmt.h"
#include "lib/mem.h"

/* One parsed member header; what the walk and the checks share. */
struct member {
	size_t off, size;             /* header offset, data size */
	const uint8_t *data;
	const char *raw;              /* the 16-byte name field */
};

static int tolow(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Reads the header at off. 1: a member; 0: the end; -1: damage (err). */
static int member_at(const uint8_t *img, size_t len, size_t off, struct member *m, char *err, size_t errlen)
{
	if (off == len)
		return 0;
	if (len - off < CLASSIMG_HDR) {
		ksnprintf(err, errlen, "class image: entry at offset %zu: truncated header (%zu of %u bytes)",
			  off, len - off, CLASSIMG_HDR);
		return -1;
	}
	const char *h = (const char *)img + off;
	char name[17];
	memcpy(name, h, 16);
	name[16] = 0;
	for (int i = 15; i >= 0 && name[i] == ' '; i--)
		name[i] = 0;
	if (h[58] != '`' || h[59] != '\n') {
		ksnprintf(err, errlen, "class image: entry '%s' at offset %zu: header terminator is %02x %02x, not 60 0a",
			  name, off, (unsigned char)h[58], (unsigned char)h[59]);
		return -1;
	}
	size_t size = 0;
	int digits = 0;
	for (int i = 48; i < 58; i++) {
		if (h[i] == ' ' && digits)
			break;
		if (h[i] < '0' || h[i] > '9') {
			ksnprintf(err, errlen, "class image: entry '%s' at offset %zu: size field is not a decimal number",
				  name, off);
			return -1;
		}
		size = size * 10 + (size_t)(h[i] - '0');
		digits++;
	}
	size_t data = off + CLASSIMG_HDR;
	if (size > len - data) {
		ksnprintf(err, errlen, "class image: entry '%s' at offset %zu: %zu bytes of data, but only %zu left in the image (truncated)",
			  name, off, size, len - data);
		return -1;
	}
	*m = (struct member){ off, size, img + data, h };
	return 1;
}

static size_t next_off(const struct member *m, size_t len)
{
	size_t o = m->off + CLASSIMG_HDR + m->size;
	return o + (o % 2 && o < len);   /* members start at even offsets */
}

/* The file name of a member: 1 with name filled, 0 for the archive's own
 * members ("/", "//"), -1 on a bad name (err). */
static int member_name(const struct classimg *ci, const struct member *m, char *name, char *err, size_t errlen)
{
	const char *r = m->raw;
	/* the symbol tables ("/", "/SYM64/") and the long-name table ("//") */
	if (r[0] == '/' && (r[1] == ' ' || (r[1] == '/' && r[2] == ' ') || !memcmp(r, "/SYM64/", 7)))
		return 0;
	size_t n = 0;
	if (r[0] == '/' && r[1] >= '0' && r[1] <= '9') {
		size_t at = 0;
		for (int i = 1; i < 16 && r[i] >= '0' && r[i] <= '9'; i++)
			at = at * 10 + (size_t)(r[i] - '0');
		if (!ci->longnames || at >= ci->longlen) {
			ksnprintf(err, errlen, "class image: entry at offset %zu: long name /%zu is outside the name table (%zu bytes)",
				  m->off, at, ci->longlen);
			return -1;
		}
		while (at + n < ci->longlen && ci->longnames[at + n] != '/' && ci->longnames[at + n] != '\n' &&
		       n < CLASSIMG_NAME_MAX) {
			name[n] = ci->longnames[at + n];
			n++;
		}
		if (at + n >= ci->longlen || ci->longnames[at + n] != '/') {
			ksnprintf(err, errlen, "class image: entry at offset %zu: long name /%zu is not terminated by '/'",
				  m->off, at);
			return -1;
		}
	} else {
		while (n < 16 && r[n] != '/' && r[n] != ' ') {
			name[n] = r[n];
			n++;
		}
		if (n == 16 || r[n] != '/') {
			ksnprintf(err, errlen, "class image: entry at offset %zu: name field does not end in '/' (not a GNU ar archive)",
				  m->off);
			return -1;
		}
	}
	name[n] = 0;
	if (!n) {
		ksnprintf(err, errlen, "class image: entry at offset %zu: empty name", m->off);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e) {
			ksnprintf(err, errlen, "class image: entry at offset %zu: byte %02x in its name",
				  m->off, (unsigned char)name[i]);
			return -1;
		}
	return 1;
}

int classimg_open(struct classimg *ci, const uint8_t *img, size_t len, char *err, size_t errlen)
{
	*ci = (struct classimg){ img, len, NULL, 0, 0 };
	if (!img || len < 8 || memcmp(img, CLASSIMG_MAGIC, 8)) {
		ksnprintf(err, errlen, "class image: %zu bytes without the ar header \"!<arch>\\n\" at offset 0", len);
		return -1;
	}
	struct member m;
	char name[CLASSIMG_NAME_MAX + 1];
	int r;
	for (size_t off = 8; (r = member_at(img, len, off, &m, err, errlen)) > 0; off = next_off(&m, len)) {
		if (m.raw[0] == '/' && m.raw[1] == '/' && m.raw[2] == ' ') {
			ci->longnames = (const char *)m.data;
			ci->longlen = m.size;
			continue;
		}
		int k = member_name(ci, &m, name, err, errlen);
		if (k < 0)
			return -1;
		ci->entries += (unsigned)k;
	}
	return r;
}

int classimg_next(const struct classimg *ci, size_t *off, struct classimg_entry *e)
{
	struct member m;
	char err[8];
	if (*off == 0)
		*off = 8;
	while (member_at(ci->img, ci->len, *off, &m, err, sizeof err) > 0) {
		*off = next_off(&m, ci->len);
		if (member_name(ci, &m, e->name, err, sizeof err) > 0) {
			e->data = m.data;
			e->size = m.size;
			e->offset = m.off;
			return 1;
		}
	}
	return 0;
}

int classimg_find(const struct classimg *ci, const char *name, size_t len, struct classimg_entry *e)
{
	size_t off = 0;
	while (classimg_next(ci, &off, e)) {
		size_t n = 0;
		while (e->name[n])
			n++;
		if (n != len + 3 || tolow(e->name[len]) != '.' || tolow(e->name[len + 1]) != 'p' ||
		    tolow(e->name[len + 2]) != 'c')
			continue;
		size_t i = 0;
		while (i < len && tolow((unsigned char)name[i]) == tolow((unsigned char)e->name[i]))
			i++;
		if (i == len)
			return 1;
	}
	return 0;
}
