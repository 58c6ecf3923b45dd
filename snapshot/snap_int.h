/*
 * snapshot/snap_int.h — internals of the store: on-disk structures (see
 * FORMAT.md, little-endian x86-64 layout) and the in-memory handles.
 */
#ifndef AMBER_SNAPSHOT_SNAP_INT_H
#define AMBER_SNAPSHOT_SNAP_INT_H

#include <string.h>

#include "lib/fmt.h"
#include "snapshot/snap.h"

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define SB_MAGIC   0x50414e5352424d41ull /* "AMBRSNAP" */
#define CAT_MAGIC  0x54414347524d4241ull /* "ABMRGCAT" */
#define REC_MAGIC  0x43455247524d4241ull /* "ABMRGREC" */
#define STREAM_MAGIC 0x4d5254534e424d41ull /* "AMBNSTRM" */
/* Version 2 (FORMAT.md): catalog in the superblock, state in the record,
 * each when it fits. Version 3: a generation may list its changes since its
 * map's tree instead of rewriting the tree (delta.c). Versions 1 and 2 are
 * still read; every commit writes version 3 unless st->compat asks for
 * version 1 (snap_set_compat). */
#define SNAP_VERSION 3u
#define SNAP_VERSION_MIN 1u
#define SB_SLOTS   2u
#define SB_COPIES  2u   /* sectors 0 and 1 of the slot's block */
#define FIRST_DATA_BLOCK 2u
#define FANOUT_BITS 8u
#define FANOUT     (1u << FANOUT_BITS)   /* pointers per map block */
#define MAX_DEPTH  4u                    /* 2^32 frames = 16 TiB */

/* A pointer to a block and the checksum of what it must contain. blk 0 is
 * "nothing there": a zero page or an all-zero subtree. */
struct ptr {
	u64 blk;
	u64 csum;
};
_Static_assert(sizeof(struct ptr) * FANOUT == SNAP_BLOCK_SIZE, "map node");

struct cat_ent {
	u64 gen;
	struct ptr rec;     /* generation record block */
	u64 flags;          /* CAT_PINNED */
};
/* Catalog entries a version 2 superblock holds itself: keep 2..4 and a few
 * pins commit no catalog block. */
#define SB_CAT_INLINE 12u

/* Superblock: one sector, stored twice (sectors 0, 1) in block 0 or 1. */
struct sb_disk {
	u64 magic;
	u32 version;
	u32 block_size;
	u64 txid;
	u64 time_ns;
	u64 dev_blocks;
	struct ptr cat;     /* catalog block; blk 0 = no generation yet */
	u64 newest_gen;     /* highest generation ever committed */
	u64 npages;         /* guest frames, 0 until the first commit */
	u32 keep;
	u32 inlog_blocks;   /* input log: the device's last blocks (inlog.c) */
	u8 guest_id[SNAP_GUEST_ID_LEN]; /* 0: no identity yet (ident.c) */
	u64 handed_over;    /* generation the guest was handed over at; 0 = here */
	/* version 2: the catalog itself when it fits (cat.blk is then 0);
	 * zero in version 1 */
	u32 icat_count;
	u32 icat_pad;
	struct cat_ent icat[SB_CAT_INLINE];
	u8 reserved[8];
	u64 csum;           /* xxh64 of the bytes above, seed = slot */
};
_Static_assert(sizeof(struct sb_disk) == SNAP_SECTOR_SIZE, "superblock");
_Static_assert(offsetof(struct sb_disk, icat) == 112, "FORMAT.md offsets");
#define CAT_PINNED 1ull
#define CAT_DAMAGED 2ull /* kept after a fallback stepped over it */

struct cat_disk {
	u64 magic;
	u64 txid;
	u32 count;
	u32 pad;
	u8 reserved[40];
	struct cat_ent ent[SNAP_MAX_RETAINED]; /* newest first */
};
_Static_assert(sizeof(struct cat_disk) <= SNAP_BLOCK_SIZE, "catalog");

#define REC_STATE_PTRS 240u
struct rec_disk {
	u64 magic;
	u64 gen;
	u64 base;
	u64 time_ns;
	u64 npages;
	u64 dirty_pages;
	u64 bytes_written;
	struct ptr root;
	u32 depth;
	u32 nstate;
	u64 state_len;
	u32 flags;          /* REC_STATE_INLINE, REC_DELTA; 0 in version 1 */
	u32 delta_n;        /* REC_DELTA: entries of the list, 1..DELTA_MAX */
	struct ptr delta;   /* REC_DELTA: the list's index block (delta.c) */
	u8 reserved[8];
	union {
		struct ptr state[REC_STATE_PTRS];
		u8 inl[SNAP_BLOCK_SIZE - 120]; /* REC_STATE_INLINE: the blob */
	};
};
_Static_assert(sizeof(struct rec_disk) == SNAP_BLOCK_SIZE, "record");
_Static_assert(offsetof(struct rec_disk, inl) == 120, "FORMAT.md offsets");
/* The state blob is in the record (inl[], nstate 0), not in state blocks:
 * an empty generation then commits the record and the superblock only. */
#define REC_STATE_INLINE 1u
/* Version 3: the page map is the tree at `root` (the base's) with the
 * entries of the list at `delta` over it (delta.c). */
#define REC_DELTA        2u
#define REC_FLAGS_KNOWN  (REC_STATE_INLINE | REC_DELTA)
#define REC_INLINE_MAX   (SNAP_BLOCK_SIZE - 120u)
_Static_assert(REC_STATE_PTRS * SNAP_BLOCK_SIZE == SNAP_MAX_STATE, "state");

/* One page written in the open generation (sorted by gfn, seq at commit);
 * also the on-disk entry of a delta block (FORMAT.md "Delta lists"). */
struct wpage {
	u64 gfn;
	u64 blk;
	u64 csum;
};
#define DENT_PER_BLOCK (SNAP_BLOCK_SIZE / sizeof(struct wpage)) /* 170 */
/* An index entry: a delta block and the frame of its first entry. */
struct didx {
	u64 first;
	struct ptr p;
};
#define DIDX_MAX  (SNAP_BLOCK_SIZE / sizeof(struct didx))       /* 170 */
#define DELTA_MAX (DENT_PER_BLOCK * DIDX_MAX)                    /* 28,900 */
_Static_assert(2 * DELTA_MAX * sizeof(struct wpage) == SNAP_DELTA_HEAP, "snap.h");
/* A delta is written when its blocks times this are at most the blocks a
 * fold would write (delta.c); a test build sets 0: always when it fits. */
#ifndef SNAP_DELTA_FACTOR
#define SNAP_DELTA_FACTOR 4u
#endif

/* Page entries buffered before a spill (build.c): 768 KiB, plus as much to
 * sort; a generation of up to this many pages is spilled once, at commit. */
#ifndef SNAP_WP_MAX /* smaller only in a test build (crash_sim_spill) */
#define SNAP_WP_MAX   32768u
#endif
/* Metadata blocks kept in memory (io.c): 256 KiB. A steady generation of
 * a few dirty pages touches a few leaves, the levels above them and a
 * record; 64 hold the paths of the last commits of a guest that rewrites
 * the same memory. */
#ifndef SNAP_MCACHE_BLOCKS
#define SNAP_MCACHE_BLOCKS 64u
#endif
_Static_assert(SNAP_MCACHE_BLOCKS < 256, "slot + 1 fits a byte");
/* Superseded blocks of this generation waiting for a flush to be freed. */
#ifndef SNAP_DEAD_MAX
#define SNAP_DEAD_MAX 1024u
#endif

/* The map of the generation being written (build.c): per leaf, not per
 * page. */
struct build {
	struct ptr *leaf;            /* current pointer of each leaf */
	u8 *lflag;                   /* LEAF_MOD, LEAF_OWN */
	u8 *wbits;                   /* frame written in this generation */
	u64 npages, nleaves, ndirty;
	u64 *dead;                   /* superseded, freed after a flush */
	u32 ndead;
	int loaded;                  /* leaf[] holds the base's pointers */
	u8 *node;                    /* one leaf being rewritten */
};

enum st_state { ST_OPEN, ST_WRITING, ST_ERROR };

/* A parsed catalog, as one superblock slot sees it; one spare entry holds
 * the new generation before retention trims the list. */
struct catalog {
	u32 count;
	struct cat_ent ent[SNAP_MAX_RETAINED + 1];
};

struct snap_store {
	struct snap_io io;
	enum st_state state;
	int rdonly;
	u64 dev_blocks;
	struct sb_disk sb;           /* newest valid superblock */
	char sb_damage[128];         /* superblock copies found damaged */
	struct catalog cat;          /* its catalog */
	struct sb_disk other_sb;     /* the previous commit's superblock */
	struct catalog other_cat;    /* and catalog (invariant 1) */
	struct catalog newcat;       /* the next catalog, off the stack */
	int other_valid;
	/* Highest generation number that may exist on the disk: the newest
	 * superblock's newest_gen, raised at a fallback open to what the
	 * damaged slot claimed (or may have committed), so a number is never
	 * given twice (snap_next_gen). */
	u64 gen_floor;
	struct snap_fallback fb;     /* what a fallback stepped over */
	/* generations a fallback stepped over, kept until dropped: a damaged
	 * catalog's generations (marked, listed by the next commit) and
	 * damaged generations (flagged by the next commit) */
	struct catalog orphan;
	u64 quar[8];
	u32 nquar;
	u64 keep_blk;                /* a damaged catalog block: not reused */

	u8 *bitmap;                  /* 1 = in use or reachable */
	u64 nfree;
	u64 alloc_cursor;
	int dropped_since_mark;      /* a gen left the catalog: gc may reclaim */
	int want_mark;               /* an allocation failed: mark at next begin */
	u64 big_commit;              /* blocks of the largest retained commit */

	u8 *wbuf;                    /* write combining: consecutive blocks */
	u64 wbuf_blk;
	u32 wbuf_n;
	/* Asynchronous writes (snap_io.submit): a ring of write buffers; wbuf
	 * is slot[wcur]'s, the others may be in flight (io.c). */
	struct io_slot {
		u8 *buf;
		u64 blk;
		u32 n;
		int inflight;
	} wslot[SNAP_IO_SLOTS];
	u32 wslots;                  /* 0: not set up yet; 1: synchronous */
	u32 wcur;

	/* Metadata cache (io.c): map, record blocks this store wrote or read,
	 * so that a commit rebuilding its paths reads nothing from the disk.
	 * Exact: a block leaves it when it is freed or written again, and the
	 * whole cache goes after an I/O error (and with the handle). */
	u64 mc_blk[SNAP_MCACHE_BLOCKS]; /* 0: slot empty */
	u64 mc_used[SNAP_MCACHE_BLOCKS]; /* mc_clock at the last use: LRU */
	/* every written block is looked up: a hash of chains (slot + 1) */
	u8 mc_head[2 * SNAP_MCACHE_BLOCKS];
	u8 mc_next[SNAP_MCACHE_BLOCKS];
	u64 mc_clock;
	u8 *mc_data;                 /* SNAP_MCACHE_BLOCKS blocks, at first use */
	int mc_nofill;               /* reads are not kept (marking walks all) */
	int mc_bypass;               /* reads go to the disk (verification) */
	u64 mc_hits, dev_reads;      /* for tests and benches */

	/* The last generation this session committed: its record block and
	 * map root, so that a generation built on it begins without reading
	 * the record back (snap_begin runs in the hypervisor's pause). A
	 * record never changes once written, so its block and hash name it. */
	struct cat_ent last;
	struct ptr last_root;
	struct ptr last_delta;       /* and its delta (REC_DELTA), */
	u32 last_delta_n;
	/* whose entries stay in memory (dc, at most DELTA_MAX): the next
	 * commit merges its own into them without reading them back. dc_new
	 * is the list the generation being committed writes, kept once its
	 * superblock is out. */
	struct wpage *dc, *dc_new;
	u64 dc_n, dc_new_n;
	struct ptr dc_ptr, dc_new_ptr;

	/* the generation being written */
	struct rec_disk *rec;
	struct wpage *wp;            /* entries not yet spilled */
	u64 nwp, capwp;
	struct build b;
	u64 blocks_written;
	int txn_rc;                  /* first failed write: commit refuses */

	unsigned compat;             /* SNAP_COMPAT_V1: write what version 1 wrote */

	struct snap_gen *gens;       /* open for reading: never reclaimed */
	u8 *tmp;                     /* one scratch block */
	snap_progress_fn progress;
	void *progress_ctx;
	char errmsg[256];
};

struct snap_gen {
	snap_store *st;
	struct snap_gen *next;       /* the store's open generations */
	struct rec_disk *rec;
	u64 rec_blk;
	int pinned, damaged;
	/* one cached map block per level: lookups walk the same path often */
	u8 *node[MAX_DEPTH];
	u64 node_blk[MAX_DEPTH];
	/* REC_DELTA: the index block, and one delta block (dblk_i + 1) */
	struct didx *didx;
	struct wpage *dblk;
	u64 dblk_i;
};

/* The one mem* and formatter of every image (lib/mem.c, lib/fmt.h); in the
 * hypervisor build <string.h> is snapshot/freestanding/string.h. */
#define snap_memcpy memcpy
#define snap_memset memset
#define snap_memcmp memcmp
#define snap_fmt amber_snprintf

/* util.c */
int snap_is_zero(const void *p, size_t n);
u64 snap_hash(const void *p, size_t n, u64 seed);
int snap_err(snap_store *st, int code, const char *fmt, ...);
void *snap_alloc(snap_store *st, size_t n);
void snap_free(snap_store *st, void *p, size_t n);
u64 snap_now(snap_store *st);

/* io.c: every device access, with the sticky error state */
int io_read(snap_store *st, u64 blk, void *buf);
int io_read_meta(snap_store *st, struct ptr p, void *buf, const char *what,
		 u64 gen);
int io_write(snap_store *st, u64 blk, const void *buf);
/* io_write of a metadata block (map, record) that is also kept in the
 * cache: the next commit reads it from memory. */
int io_write_meta(snap_store *st, u64 blk, const void *buf);
/* blk was freed: its cached copy goes. */
void io_forget(snap_store *st, u64 blk);
/* After marking: cached blocks no generation reaches go. */
void io_forget_unmarked(snap_store *st);
int io_drain(snap_store *st);
int io_flush(snap_store *st);
/* Before the store's buffers are freed: waits for every write in flight. */
void io_fini(snap_store *st);

/* super.c */
struct sb_read {
	struct sb_disk sb[SB_SLOTS];  /* the better copy of each slot */
	int valid[SB_SLOTS];
	int zero[SB_SLOTS];           /* the slot's block is all zeros */
	int magic_seen;
	unsigned bad_copies;
};
int sb_read_both(const struct snap_io *io, struct sb_read *r);
void sb_seal(struct sb_disk *sb, unsigned slot);
int cat_load(snap_store *st, const struct sb_disk *sb, struct catalog *c);
int cat_check(snap_store *st, const struct sb_disk *sb, const u8 *blk,
	      struct catalog *c);
int super_cat_inline(const snap_store *st, u32 n);
u32 super_blocks(const snap_store *st);
int super_write(snap_store *st, const struct catalog *c, u64 npages,
		u64 newest_gen, unsigned keep);

/* alloc.c */
int alloc_init(snap_store *st);
int alloc_block(snap_store *st, u64 *blk);
void alloc_release(snap_store *st, u64 blk);
int alloc_mark(snap_store *st);
int alloc_mark_tolerant(snap_store *st, u64 gen);

/* map.c */
u32 map_depth(u64 npages);
int map_lookup(snap_gen *g, u64 gfn, struct ptr *out);
typedef int (*map_walk_fn)(void *ctx, u64 blk, int is_node);
int map_walk(snap_store *st, struct ptr root, u32 depth, u64 gen,
	     int tolerant, map_walk_fn fn, void *ctx);
int rec_load(snap_store *st, const struct cat_ent *e, struct rec_disk *rec);

/* build.c */
int build_init(snap_store *st, u64 npages);
void build_end(snap_store *st);   /* generation over: clear, keep the arrays */
void txn_release(snap_store *st); /* frees what generations keep between them */
void build_free(snap_store *st);
int build_dead(snap_store *st, u64 blk);
int build_release_dead(snap_store *st, int flushed);
int build_spill(snap_store *st);
int build_sort(snap_store *st); /* sorted by frame, one entry per frame */
/* Spills what is left with `fold` (a base's delta, sorted) under it and
 * rebuilds the levels above the leaves. */
int build_commit(snap_store *st, struct ptr *root, const struct wpage *fold,
		 u64 nfold);
void build_abort(snap_store *st);

/* delta.c */
int delta_open(snap_gen *g);                 /* REC_DELTA: reads the index */
void delta_close(snap_gen *g);
int delta_find(snap_gen *g, u64 gfn, struct ptr *out); /* 1 found, 0 not */
int delta_at(snap_gen *g, u64 k, struct wpage *out);   /* the k-th entry */
int delta_walk(snap_store *st, const struct rec_disk *rec, int tolerant,
	       map_walk_fn fn, void *ctx);
int delta_commit(snap_store *st, struct rec_disk *r); /* the map, at commit */
void delta_committed(snap_store *st, const struct rec_disk *r);
void delta_free(snap_store *st, int all);    /* the pending list, or all */

/* txn.c */
const struct cat_ent *cat_find(const struct catalog *c, u64 gen);
int gen_quarantined(const snap_store *st, u64 gen);
const struct cat_ent *view_ent(const snap_store *st, u32 k);
const struct cat_ent *view_find(const snap_store *st, u64 gen);

/* The reader fuzzer is built a second time with checksums ignored, so that
 * damaged structures reach the code behind the checksum checks. Never in a
 * real build. */
#ifdef SNAP_FUZZ_NOCSUM
#define CSUM_BAD(got, want) ((void)(got), (void)(want), 0)
#else
#define CSUM_BAD(got, want) ((got) != (want))
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
