/*
 * tests/snapshot/crashdev.c — see crashdev.h.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/snapshot/crashdev.h"

#define BS SNAP_BLOCK_SIZE
#define SECT SNAP_SECTOR_SIZE

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: reproducible from the trial's seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

void crashdev_init(struct crashdev *d, const uint8_t *base, uint64_t nblk)
{
	memset(d, 0, sizeof *d);
	d->base = base;
	d->nblk = nblk;
	d->ovl_idx = calloc(nblk, sizeof *d->ovl_idx);
}

void crashdev_free(struct crashdev *d)
{
	for (uint32_t i = 0; i < d->npend; i++)
		free(d->pend[i].data);
	free(d->pend);
	free(d->infl);
	free(d->ovl);
	free(d->ovl_idx);
	memset(d, 0, sizeof *d);
}

static uint8_t *durable(const struct crashdev *d, uint64_t blk)
{
	uint32_t i = d->ovl_idx[blk];
	return i ? d->ovl + (size_t)(i - 1) * BS : NULL;
}

/* Durable block for writing: copied into the overlay on first touch. */
static uint8_t *durable_w(struct crashdev *d, uint64_t blk)
{
	uint8_t *p = durable(d, blk);
	if (p)
		return p;
	if (d->novl == d->capovl) {
		d->capovl = d->capovl ? d->capovl * 2 : 64;
		d->ovl = realloc(d->ovl, (size_t)d->capovl * BS);
	}
	p = d->ovl + (size_t)d->novl * BS;
	if (d->base)
		memcpy(p, d->base + blk * BS, BS);
	else
		memset(p, 0, BS);
	d->ovl_idx[blk] = ++d->novl;
	return p;
}

void crashdev_get(const struct crashdev *d, uint64_t blk, void *data)
{
	/* the newest pending write wins: that is what the OS cache shows */
	for (uint32_t i = d->npend; i-- > 0;) {
		const struct pend *p = &d->pend[i];
		if (blk >= p->blk && blk < p->blk + p->n) {
			memcpy(data, p->data + (blk - p->blk) * BS, BS);
			return;
		}
	}
	const uint8_t *s = durable(d, blk);
	if (s)
		memcpy(data, s, BS);
	else if (d->base)
		memcpy(data, d->base + blk * BS, BS);
	else
		memset(data, 0, BS);
}

void crashdev_put(struct crashdev *d, uint64_t blk, const void *data)
{
	memcpy(durable_w(d, blk), data, BS);
}

static void apply(struct crashdev *d, const struct pend *p, uint32_t sectors)
{
	for (uint32_t s = 0; s < sectors; s++) {
		uint64_t blk = p->blk + s / (BS / SECT);
		memcpy(durable_w(d, blk) + (s % (BS / SECT)) * SECT,
		       p->data + (size_t)s * SECT, SECT);
	}
}

/* A write the device has not got to yet overlaps [blk, blk + n). */
static int in_flight(const struct crashdev *d, uint64_t blk, uint32_t n)
{
	for (uint32_t i = 0; i < d->ninfl; i++)
		if (!d->infl[i].done && blk < d->infl[i].blk + d->infl[i].n &&
		    d->infl[i].blk < blk + n)
			return 1;
	return 0;
}

static void pend_add(struct crashdev *d, uint64_t blk, uint32_t n, const void *buf)
{
	for (uint32_t i = 0; i < d->npend; i++)
		if (blk < d->pend[i].blk + d->pend[i].n &&
		    d->pend[i].blk < blk + n)
			d->overlaps++;
	if (d->npend == d->cappend) {
		d->cappend = d->cappend ? d->cappend * 2 : 16;
		d->pend = realloc(d->pend, d->cappend * sizeof *d->pend);
	}
	struct pend *p = &d->pend[d->npend++];
	p->blk = blk;
	p->n = n;
	p->data = malloc((size_t)n * BS);
	memcpy(p->data, buf, (size_t)n * BS);
	d->writes++;
	d->blocks_written += n;
}

/* The device gets to a write in flight: it reads the buffer now (a store
 * that changed it meanwhile is caught by the checks after a crash). A write
 * set to fail reaches the disk cache or not, at random. */
static void do_infl(struct crashdev *d, struct infl *w)
{
	if (w->done)
		return;
	w->done = 1;
	if (!w->fail || rnd(&d->arng) % 2)
		pend_add(d, w->blk, w->n, w->buf);
	w->result = w->fail ? -5 : 0;
}

/* Power lost: every write in flight was somewhere on its way; its fate is
 * decided with the pending ones, and its completion reports the failure. */
static void crash_infl(struct crashdev *d)
{
	for (uint32_t i = 0; i < d->ninfl; i++) {
		if (!d->infl[i].done) {
			d->infl[i].done = 1;
			pend_add(d, d->infl[i].blk, d->infl[i].n, d->infl[i].buf);
		}
		d->infl[i].result = -5;
	}
}

static int dev_read(void *ctx, uint64_t blk, uint32_t n, void *buf)
{
	struct crashdev *d = ctx;
	if (blk + n > d->nblk)
		return -22;
	d->reads++;
	d->blocks_read += n;
	if (in_flight(d, blk, n)) {
		/* what a disk returns then is anyone's guess */
		d->early_reads++;
		memset(buf, 0xA5, (size_t)n * BS);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++)
		crashdev_get(d, blk + i, (uint8_t *)buf + (size_t)i * BS);
	return 0;
}

static int dev_write(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
	struct crashdev *d = ctx;
	if (d->crashed)
		return -5;
	if (blk + n > d->nblk)
		return -22;
	d->ops++;
	if (d->fail_write_at && d->ops == d->fail_write_at)
		return -5;
	if (in_flight(d, blk, n))
		d->overlaps++;
	pend_add(d, blk, n, buf);
	if (d->crash_at && d->ops == d->crash_at) {
		/* in flight when the power went: its fate is decided later */
		d->crashed = 1;
		crash_infl(d);
		return -5;
	}
	return 0;
}

static int dev_submit(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
	struct crashdev *d = ctx;
	if (d->crashed)
		return -5;
	if (blk + n > d->nblk)
		return -22;
	d->ops++;
	if (in_flight(d, blk, n))
		d->overlaps++;
	if (d->crash_at && d->ops == d->crash_at) {
		/* refused, but maybe partly written: decided later */
		d->crashed = 1;
		crash_infl(d);
		pend_add(d, blk, n, buf);
		return -5;
	}
	if (d->ninfl == d->capinfl) {
		d->capinfl = d->capinfl ? d->capinfl * 2 : 8;
		d->infl = realloc(d->infl, d->capinfl * sizeof *d->infl);
	}
	d->infl[d->ninfl++] = (struct infl){
		.blk = blk, .n = n, .buf = buf,
		.fail = (d->fail_write_at && d->ops == d->fail_write_at) ||
			d->submits + 1 == d->fail_submit_at,
	};
	d->submits++;
	return 0;
}

static int dev_complete(void *ctx, const void *buf, int wait)
{
	struct crashdev *d = ctx;
	uint32_t k = d->ninfl;
	for (uint32_t i = 0; i < d->ninfl; i++)
		if (d->infl[i].buf == buf)
			k = i;
	if (k == d->ninfl) {
		d->bad_completes++;
		return -22;
	}
	if (d->hold && !wait)
		return 1;
	/* the device works on its own: other writes finish meanwhile, in any
	 * order; this one, at random unless the store waits for it */
	for (uint32_t i = 0; i < d->ninfl; i++)
		if (i != k && rnd(&d->arng) % 3 == 0)
			do_infl(d, &d->infl[i]);
	if (!d->infl[k].done && !wait && rnd(&d->arng) % 2)
		return 1;
	do_infl(d, &d->infl[k]);
	int rc = d->infl[k].result;
	d->infl[k] = d->infl[--d->ninfl];
	return rc;
}

static int dev_flush(void *ctx)
{
	struct crashdev *d = ctx;
	if (d->crashed)
		return -5;
	d->ops++;
	if (d->fail_flush_at && d->ops == d->fail_flush_at)
		return -5;
	if (d->crash_at && d->ops == d->crash_at) {
		d->crashed = 1;
		crash_infl(d);
		return -5;
	}
	/* only completed writes are in the cache: one in flight stays so */
	for (uint32_t i = 0; i < d->npend; i++) {
		apply(d, &d->pend[i], d->pend[i].n * (BS / SECT));
		free(d->pend[i].data);
	}
	d->npend = 0;
	d->flushes++;
	return 0;
}

static uint64_t dev_size(void *ctx)
{
	return ((struct crashdev *)ctx)->nblk;
}

static void *dev_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

static void dev_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	(void)n;
	free(p);
}

void crashdev_io(struct crashdev *d, struct snap_io *io)
{
	*io = (struct snap_io){
		.ctx = d, .read = dev_read, .write = dev_write,
		.flush = dev_flush, .size = dev_size, .alloc = dev_alloc,
		.free = dev_free, .now = NULL,
		.submit = d->async ? dev_submit : NULL,
		.complete = d->async ? dev_complete : NULL,
	};
	if (!d->arng)
		d->arng = 0x9E3779B97F4A7C15ull;
}

void crashdev_crash(const struct crashdev *d, uint64_t seed,
		    struct crashdev *out)
{
	uint64_t s = seed * 2 + 1;
	crashdev_init(out, d->base, d->nblk);
	out->async = d->async;
	for (uint64_t b = 0; b < d->nblk; b++) {
		const uint8_t *p = durable(d, b);
		if (p)
			crashdev_put(out, b, p);
	}
	/* any order: a random permutation of the pending writes */
	uint32_t n = d->npend, *ord = malloc((n + 1) * sizeof *ord);
	for (uint32_t i = 0; i < n; i++)
		ord[i] = i;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)(rnd(&s) % i), t = ord[i - 1];
		ord[i - 1] = ord[j];
		ord[j] = t;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct pend *p = &d->pend[ord[i]];
		uint32_t all = p->n * (BS / SECT);
		switch (rnd(&s) % 4) {
		case 0:
			break;                              /* lost */
		case 1:
			apply(out, p, all);                 /* whole */
			break;
		default:
			apply(out, p, (uint32_t)(rnd(&s) % (all + 1))); /* torn */
		}
	}
	free(ord);
}

void crashdev_image(const struct crashdev *d, uint8_t *img)
{
	for (uint64_t b = 0; b < d->nblk; b++)
		crashdev_get(d, b, img + b * BS);
}

void crashdev_flip(struct crashdev *d, uint64_t blk, uint32_t byte, int bit)
{
	uint8_t *p = durable_w(d, blk);
	p[byte % BS] ^= (uint8_t)(1u << (bit & 7));
}
