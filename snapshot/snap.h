/*
 * snapshot/snap.h — the Amber snapshot store: the whole public interface.
 *
 * The store keeps generations of the guest's physical memory (plus one opaque
 * state blob each: vCPU and device state) on a block device, copy-on-write,
 * so that a committed generation is never lost whatever happens to the
 * machine. It is freestanding C: the hypervisor, the host tools and the tests
 * link the same code and reach the device only through struct snap_io.
 * The on-disk format is described in snapshot/FORMAT.md.
 *
 * Definitions
 *   block       4 KiB unit of the device; blocks 0 and 1 are the superblocks.
 *   generation  one committed image of guest memory + state blob, numbered
 *               1, 2, 3, ... ; a new one is built from a base generation.
 *   txid        number of the superblock write; bumped by every commit, pin,
 *               unpin or retention change. Superblock slot = txid % 2.
 *   retained    a generation listed in the catalog of the newest superblock:
 *               the newest K plus every pinned one.
 *   reachable   a block referenced from the catalog of either superblock.
 *   commit point  the superblock write that makes a new catalog current.
 *
 * Commit point
 *   snap_commit() writes every new data and map block, the generation record
 *   (holding the state blob when it fits) and, only when it has more than
 *   12 entries, a catalog block; flushes, then writes the superblock block
 *   of slot txid % 2 (the 512-byte superblock twice, in its sectors 0 and
 *   1, holding the catalog when it fits) and flushes again: a generation
 *   with no dirty page writes two blocks. The generation is committed as
 *   soon as either sector is on the platter. Disk sectors of 512 bytes are written atomically (ATA);
 *   4 KiB blocks are not, so nothing larger is trusted to be atomic.
 *
 * Invariants (numbered as in FORMAT.md)
 *   1. A block reachable from either on-disk superblock, or from a
 *      generation open for reading, is never written. New data goes only to
 *      blocks that the in-memory allocation bitmap shows free, and the bitmap
 *      is a superset of those blocks.
 *   2. Every pointer carries the xxHash64 of the block it points at
 *      (metadata seeded with the block number, pages with 0), so a bit flip,
 *      a lost write or a misdirected write is caught on the first read.
 *   3. A superblock copy is valid only if its magic, version, slot and
 *      checksum match; the valid copy with the higher txid wins. The other
 *      slot still holds the previous commit, whose blocks invariant 1 also
 *      protects. A slot with no valid copy is damage, never a crash.
 *   4. Zero pages have no block (pointer 0); absent map subtrees are zero.
 *   5. No block is written twice between two flushes: blocks released
 *      during a generation are reused only after the next flush, since two
 *      pending writes to one block may reach the disk in either order.
 *   6. After any failed write or flush the store is in the ERROR state and
 *      refuses everything but snap_close(): memory no longer says what the
 *      disk holds. Reopening reads the truth back from the superblocks.
 *   7. Reads never substitute another generation for a damaged one unless
 *      the caller asks (SNAP_OPEN_FALLBACK), and then say which they used
 *      (snap_fallback_info); what they stepped over is kept until dropped.
 *   8. Generation numbers are never given twice (snap_next_gen).
 *
 * States (one writer at a time; readers may run in any state but ERROR)
 *
 *            snap_open()                 snap_begin()
 *   CLOSED ──────────────► OPEN ◄────────────────────► WRITING
 *                           │  ▲   snap_commit()/abort()  │
 *                           │  └──────────────────────────┘
 *         write/flush error │                 write/flush error
 *                           ▼                             │
 *                         ERROR ◄─────────────────────────┘
 *                           │ snap_close()
 *                           ▼
 *                         CLOSED
 *
 *   OPEN    → WRITING  snap_begin()
 *   WRITING → OPEN     snap_commit() (success, or failure that aborts),
 *                      snap_abort()
 *   any     → ERROR    io write/flush failure (sticky)
 *   OPEN    → OPEN     snap_pin(), snap_set_keep(), snap_drop(), snap_gc(),
 *                      snap_send(); snap_recv() passes through WRITING
 *
 * Memory the store needs (allocated through snap_io.alloc)
 *   - the allocation bitmap: device blocks / 8 bytes (32 KiB per GiB of
 *     disk), built on the first write operation, not by read-only users;
 *   - a write-combining buffer of SNAP_WBUF_BLOCKS blocks (128 KiB); with
 *     asynchronous writes (snap_io.submit) SNAP_IO_SLOTS of them, one
 *     being filled while the others are in flight (512 KiB);
 *   - during a generation: the page entries not yet spilled into the map
 *     (24 bytes each, at most SNAP_WP_MAX = 32768, and as much again to
 *     sort them: 1.5 MiB), plus 16 bytes per 256 guest frames (the map
 *     leaves' pointers) and one bit per frame; a 3 GiB guest's first
 *     commit peaks under 2 MiB in all (tests/snapshot/check_mem);
 *   - a handful of 4 KiB buffers and the store handle (about 13 KiB: three
 *     catalogs); a page lookup reads depth (1..4) map blocks and caches one
 *     per level, so lazy restore needs no full map;
 *   - stack: no frame above 1.2 KiB (gcc -fstack-usage), recursion only
 *     down the map's depth, under 4 KiB in all.
 */
#ifndef AMBER_SNAPSHOT_SNAP_H
#define AMBER_SNAPSHOT_SNAP_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_BLOCK_SIZE   4096u
#define SNAP_PAGE_SIZE    4096u
#define SNAP_SECTOR_SIZE  512u
#define SNAP_MAX_RETAINED 126u   /* generations one catalog block can list */
#define SNAP_MAX_STATE    (240u * SNAP_BLOCK_SIZE) /* state blob limit */
/* Memory for delta lists (FORMAT.md): the last committed and the next. */
#define SNAP_DELTA_HEAP   (2u * 28900u * 24u)
#define SNAP_WBUF_BLOCKS  32u
#define SNAP_IO_SLOTS     4u     /* write buffers with asynchronous writes */

/* Errors: 0 is success, negative values are these codes. */
enum snap_err {
	SNAP_OK       = 0,
	SNAP_EIO      = -1,  /* device read/write/flush failed */
	SNAP_ECORRUPT = -2,  /* a checksum or structure check failed */
	SNAP_ENOTSTORE = -3, /* no Amber superblock on this device */
	SNAP_EVERSION = -4,  /* an Amber store of a format we do not know */
	SNAP_ENOSPC   = -5,  /* no free block left */
	SNAP_ENOMEM   = -6,  /* snap_io.alloc failed */
	SNAP_EINVAL   = -7,  /* bad argument */
	SNAP_ENOENT   = -8,  /* no such generation */
	SNAP_EFATAL   = -9,  /* store is in the sticky ERROR state */
	SNAP_EBUSY    = -10, /* wrong state: a generation is (not) being written */
	SNAP_EEXIST   = -11, /* device already holds a store (format) or gen */
	SNAP_ESTREAM  = -12, /* a send stream is damaged or does not fit */
	SNAP_ELIMIT   = -13, /* too many pinned generations, or blob too big */
};

/*
 * Block device and allocator, implemented by each side (hypervisor disk
 * driver, host file, crash-simulating test device). Block numbers and counts
 * are in 4 KiB blocks. Return 0 or a negative value on failure. A write is
 * only durable after a flush returns 0; until then it may be lost, torn at
 * any 512-byte sector boundary or reordered with other writes.
 */
struct snap_io {
	void *ctx;
	int (*read)(void *ctx, uint64_t blk, uint32_t nblk, void *buf);
	int (*write)(void *ctx, uint64_t blk, uint32_t nblk, const void *buf);
	int (*flush)(void *ctx);
	uint64_t (*size)(void *ctx);               /* device size in blocks */
	void *(*alloc)(void *ctx, size_t bytes);   /* NULL on failure */
	void (*free)(void *ctx, void *p, size_t bytes);
	uint64_t (*now)(void *ctx);                /* ns since epoch; may be NULL */
	/*
	 * Optional asynchronous writes (both NULL: every write goes through
	 * `write`, as in the host tools). submit starts writing nblk blocks
	 * from buf at blk and returns at once (0, or negative: nothing was
	 * started); buf stays untouched by the store until the write is
	 * complete. complete asks about the submitted write whose buffer is
	 * buf: 1 while it is still in flight (only when wait = 0), else its
	 * result, 0 or negative, reported once; with wait = 1 it returns only
	 * when the write is done. Writes may complete in any order. A write
	 * is complete once complete() has returned its result: only then may
	 * a flush cover it, and only then may the store read its blocks from
	 * the device. A negative result is a failed write (invariant 6).
	 */
	int (*submit)(void *ctx, uint64_t blk, uint32_t nblk, const void *buf);
	int (*complete)(void *ctx, const void *buf, int wait);
};

typedef struct snap_store snap_store;  /* an opened device */
typedef struct snap_gen snap_gen;      /* a generation opened for reading */

struct snap_geninfo {
	uint64_t gen;
	uint64_t base;          /* generation it was built from, 0 if none */
	uint64_t time_ns;       /* capture time */
	uint64_t npages;        /* guest frames */
	uint64_t dirty_pages;   /* pages written in this generation */
	uint64_t bytes_written; /* data + metadata bytes this commit wrote,
				 * the superblock block included */
	uint64_t state_len;
	uint64_t root_blk;      /* map root block, for tools */
	int pinned;
	int damaged;            /* kept because a fallback stepped over it */
};

struct snap_space {
	uint64_t dev_blocks, used_blocks, free_blocks;
};

/* Format: never over a store unless force; keep = K newest kept (>= 2).
 * inlog_blocks: size of the input log region (0: SNAP_INLOG_DEFAULT_BLOCKS,
 * SNAP_INLOG_NONE: none); a device too small for it gets none. */
#define SNAP_INLOG_DEFAULT_BLOCKS 8u
#define SNAP_INLOG_MAX_BLOCKS     64u
#define SNAP_INLOG_NONE           (~0u)
struct snap_format_opts {
	unsigned keep;
	int force;
	unsigned inlog_blocks;
	unsigned version;  /* 0: the current format (2); 1: version 1 (tests) */
};
int snap_format(const struct snap_io *io, const struct snap_format_opts *o);
/* 0 if the device holds an Amber store (any superblock magic), else code. */
int snap_probe(const struct snap_io *io);

/* FALLBACK: if a superblock slot is lost or the newest one's catalog is
 * damaged, use the other slot (the previous commit) instead of refusing to
 * open; snap_verify_super() then names the damage. */
#define SNAP_OPEN_RDONLY   1u
#define SNAP_OPEN_FALLBACK 2u
/* On failure *out may still be set, good only for snap_errmsg() and
 * snap_close(). */
int snap_open(const struct snap_io *io, unsigned flags, snap_store **out);
void snap_close(snap_store *st);
/* SNAP_ECORRUPT if any superblock copy was found damaged at open (the store
 * still opened from the good copies), naming how many. */
int snap_verify_super(snap_store *st);

/*
 * What a fallback stepped over, for the caller to print (the hypervisor
 * says it on COM1 at boot). Filled by snap_open(SNAP_OPEN_FALLBACK) when
 * the newest superblock slot or its catalog is damaged, and by
 * snap_gen_open(SNAP_OPEN_FALLBACK) when the generation asked for is;
 * why = SNAP_FB_NONE when nothing was stepped over.
 *
 * The damaged parts are never written, and what can be known of them is
 * kept until the user drops it (snapctl drop) or formats:
 *   SNAP_FB_GENERATION  the damaged generation stays in the catalog, pinned
 *       and flagged damaged (snap_geninfo.damaged), from the next catalog
 *       commit on; retention never drops it, SNAP_BASE_NEWEST never builds
 *       on it, and marking steps over its unreadable map blocks instead of
 *       stopping every write (only blocks under such a map block, which
 *       nothing can find any more, may be reused).
 *   SNAP_FB_CATALOG  the damaged catalog block is read without its
 *       checksum, and every generation it lists whose record verifies
 *       (through the entry's own checksum) but that the previous commit
 *       does not list is kept the same way: readable at once (snap_list,
 *       snap_gen_open, snap_newest: typically the newest generation, whole,
 *       which a boot then restores), marked from the open on, listed
 *       pinned and damaged by the next commit. The damaged superblock slot
 *       is the one the next commit writes (the commit protocol alternates
 *       slots); the catalog block itself is not reused in this session.
 *   SNAP_FB_SLOT_LOST  both copies of the newest slot are unreadable: the
 *       only pointer to its catalog is lost, so its generation (at most
 *       one commit newer than the slot used) cannot be found and its blocks
 *       may be reused. The next commit rewrites the lost slot; its number
 *       is never given again (snap_next_gen).
 */
enum snap_fallback_why {
	SNAP_FB_NONE = 0,
	SNAP_FB_SLOT_LOST = 1,   /* newest superblock slot lost (both copies) */
	SNAP_FB_CATALOG = 2,     /* the newest superblock's catalog is damaged */
	SNAP_FB_GENERATION = 3,  /* the generation asked for is damaged */
};
struct snap_fallback {
	unsigned why;            /* enum snap_fallback_why */
	int err;                 /* what the damaged part failed with */
	uint64_t damaged_txid;   /* 0: unknown */
	uint64_t damaged_gen;    /* newest generation of the damaged part; 0:
				  * unknown (a lost slot) */
	uint64_t used_txid;      /* the superblock opened instead */
	uint64_t used_gen;       /* the generation used instead (the newest of
				  * the catalog opened, or the one opened) */
	unsigned salvaged;       /* generations of a damaged catalog kept */
	char msg[200];           /* all of the above in words */
};
void snap_fallback_info(const snap_store *st, struct snap_fallback *out);

const char *snap_strerror(int err);
/* The last error of this store in words: names generation, frame, block. */
const char *snap_errmsg(const snap_store *st);

/* Progress of long operations (verify, send, recv). */
typedef void (*snap_progress_fn)(void *ctx, uint64_t done, uint64_t total);
void snap_set_progress(snap_store *st, snap_progress_fn fn, void *ctx);

/* What the following commits write. 0 (the default): format version 3,
 * the catalog inside the superblock and the state blob inside the
 * generation record whenever they fit, and a delta list instead of
 * rewritten map leaves when that writes fewer blocks (FORMAT.md).
 * SNAP_COMPAT_V2: what version 2 wrote (every generation rewrites its map
 * paths; version 2 superblocks); SNAP_COMPAT_V1: what version 1 wrote
 * (state and catalog in blocks of their own, version 1 superblocks). For
 * tests of the old layouts; generations committed keep their layout.
 * Reading takes every version whatever this says. */
#define SNAP_COMPAT_V1 1u
#define SNAP_COMPAT_V2 2u
void snap_set_compat(snap_store *st, unsigned compat);
/* Format version of the newest superblock (1, 2 or 3). */
unsigned snap_version(const snap_store *st);

/* Retained generations, newest first. */
int snap_list(snap_store *st, struct snap_geninfo *out, unsigned max,
	      unsigned *n);
uint64_t snap_newest(const snap_store *st); /* 0 when there is none */
/* The numbers of the retained generations, newest first, from the catalog
 * alone (no record is read, so a damaged one is listed too): how many. */
unsigned snap_catalog(const snap_store *st, uint64_t *gens, unsigned max);
/* The number the next generation gets (snap_begin with gen 0): above every
 * generation ever committed to this store, also after the newest was
 * dropped (the superblock keeps the highest number ever committed) and
 * after a fallback open (above what the damaged superblock claimed). A
 * capture numbers itself with this, never with snap_newest() + 1. */
uint64_t snap_next_gen(const snap_store *st);
unsigned snap_keep(const snap_store *st);
/* 1 if gen is listed by the catalog of either superblock slot, so that its
 * blocks are never overwritten (invariant 1), else 0. A reader of a store
 * another process writes uses it to tell damage (still retained: the
 * failure is real) from a generation freed while it was read. */
int snap_is_retained(const snap_store *st, uint64_t gen);
uint64_t snap_txid(const snap_store *st);

/* Reading. gen 0 = newest. With SNAP_OPEN_FALLBACK the generation is
 * verified in full and, if damaged, the next older retained generation that
 * verifies is opened instead; snap_errmsg() then names the damage. */
/* An open generation keeps its blocks even when retention drops it from the
 * catalog (lazy restore reads it while new generations are committed).
 * Close every generation before snap_close(). */
int snap_gen_open(snap_store *st, uint64_t gen, unsigned flags, snap_gen **out);
void snap_gen_close(snap_gen *g);
void snap_gen_info(const snap_gen *g, struct snap_geninfo *out);
int snap_read_page(snap_gen *g, uint64_t gfn, void *page);
int snap_read_state(snap_gen *g, void *buf, size_t len);
/* Every checksum of the generation: map, pages, state. */
int snap_verify(snap_gen *g);

/* Pages whose block differs between a and b (a may be NULL: all non-zero
 * pages of b). kind: 1 page has data in b, 0 page is zero in b. A non-zero
 * return from cb stops the walk and is returned. */
typedef int (*snap_diff_fn)(void *ctx, uint64_t gfn, int kind);
int snap_diff(snap_gen *a, snap_gen *b, snap_diff_fn cb, void *ctx);

/* Writing one generation. */
#define SNAP_BASE_NEWEST 0u
#define SNAP_BASE_NONE   UINT64_MAX
struct snap_begin_opts {
	uint64_t base;     /* SNAP_BASE_NEWEST, SNAP_BASE_NONE or a generation */
	uint64_t gen;      /* 0: newest + 1; else must be > newest */
	uint64_t npages;   /* guest frames; fixed for the store once set */
	uint64_t time_ns;  /* capture time; 0: io->now() */
};
int snap_begin(snap_store *st, const struct snap_begin_opts *o);
/* Stores one page (any order; a page written again replaces the earlier
 * write). Every SNAP_WP_MAX pages (snap_int.h) the pages so far are spilled
 * into the map: this call then also rewrites the map leaves they touch. The page is hashed and copied before the call returns, so it must
 * not change during the call and may be reused after it: the hypervisor
 * keeps it write-protected or passes its copy-on-write buffer. */
int snap_write_page(snap_store *st, uint64_t gfn, const void *page);
/* The generation's state blob (vCPU, devices), opaque to the store; a
 * second call replaces the first. */
int snap_set_state(snap_store *st, const void *blob, size_t len);
/* The commit (see the top). Refused if any write or state call of this
 * generation failed. On any failure the generation is aborted; on
 * SNAP_EIO/SNAP_EFATAL the store is in ERROR and whether the generation
 * reached the disk is learnt by reopening. */
int snap_commit(snap_store *st, uint64_t *gen);
void snap_abort(snap_store *st);

/* Catalog changes, each one superblock commit. */
int snap_pin(snap_store *st, uint64_t gen, int pinned);
int snap_set_keep(snap_store *st, unsigned keep);
/* Removes generation gen from the store even if pinned or among the newest:
 * for a generation whose damaged map stops the store from writing. */
int snap_drop(snap_store *st, uint64_t gen);
/* Builds the free-space bitmap now if it is not built yet (marking reads
 * the map of every retained generation), so that the first snap_begin does
 * not: the hypervisor calls it after boot, outside its capture pause. */
int snap_prepare(snap_store *st);
/* Recompute free space from the retained generations. */
int snap_gc(snap_store *st, struct snap_space *out);
int snap_space(snap_store *st, struct snap_space *out);

/*
 * Guest identity (ident.c, FORMAT.md "Guest identity"): 16 random bytes the
 * hypervisor gives a store at the guest's first start; streams carry it and
 * recv refuses another guest's. All zero = no identity yet. The handover
 * mark is the generation at which the guest was moved to another host: a
 * handed-over store is not resumed (the hypervisor's `takeback` clears it).
 * Both setters are one superblock commit each, like snap_pin.
 */
#define SNAP_GUEST_ID_LEN 16u
int snap_guest_id(const snap_store *st, uint8_t id[SNAP_GUEST_ID_LEN]); /* 1 set, 0 none */
int snap_set_guest_id(snap_store *st, const uint8_t id[SNAP_GUEST_ID_LEN]);
uint64_t snap_handed_over(const snap_store *st);
int snap_set_handed_over(snap_store *st, uint64_t gen);

/*
 * Input log (inlog.c, FORMAT.md "Input log"): the bytes typed to the guest,
 * in a ring of 512-byte records in the device's last blocks, appended and
 * flushed before the guest may read them. Offsets count bytes since the
 * store was formatted. The log keeps every byte at or after the offset
 * last given to snap_inlog_release() (what the newest durable generation
 * had consumed); older records are overwritten as the ring wraps.
 */
typedef struct snap_inlog snap_inlog;
/* Reads and checks the region; SNAP_ENOENT when the store has none. The log
 * lives beside the store: close it before snap_close(). */
int snap_inlog_open(snap_store *st, snap_inlog **out);
void snap_inlog_close(snap_inlog *l);
/* Bytes [*start, *end) are held; start == end: nothing. */
void snap_inlog_span(const snap_inlog *l, uint64_t *start, uint64_t *end);
/* Appends up to n bytes and flushes: *taken bytes are durable on return
 * (fewer than n when the ring is full of bytes not yet released). Any
 * device error is sticky for the log (SNAP_EIO until reopened). */
int snap_inlog_append(snap_inlog *l, const void *buf, size_t n, size_t *taken);
/* Copies bytes from offset off (clipped to what is held); returns the count. */
size_t snap_inlog_read(const snap_inlog *l, uint64_t off, void *buf, size_t n);
/* Bytes before off are no longer needed: their records may be overwritten. */
void snap_inlog_release(snap_inlog *l, uint64_t off);
/* The next append starts at off if off is beyond the end (a generation that
 * consumed more than this log holds, e.g. received from another store). */
void snap_inlog_skip_to(snap_inlog *l, uint64_t off);
/* Records in the ring and the largest payload of one. */
#define SNAP_INLOG_REC_DATA 464u

/* Send streams (FORMAT.md): base 0 = full stream of gen. */
typedef int (*snap_out_fn)(void *ctx, const void *buf, size_t len);
typedef int (*snap_in_fn)(void *ctx, void *buf, size_t len); /* 0 = all read */
int snap_send(snap_store *st, uint64_t base, uint64_t gen, snap_out_fn out,
	      void *ctx);
/* Receives one stream as a new generation, all or nothing. Refused
 * (SNAP_ESTREAM, target untouched): a stream of another guest, an
 * incremental stream whose base is not the target's newest generation, a
 * full stream into a target that already holds generations; unless
 * SNAP_RECV_FORCE, which only requires that an incremental base be held. */
#define SNAP_RECV_FORCE 1u
int snap_recv(snap_store *st, snap_in_fn in, void *ctx, uint64_t *gen);
int snap_recv_flags(snap_store *st, snap_in_fn in, void *ctx, unsigned flags,
		    uint64_t *gen);

#endif
