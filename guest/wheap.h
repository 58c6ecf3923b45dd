/*
 * guest/wheap.h — the world's byte allocator: every object, thread stack
 * and class of the PVM lives here, in one range of guest RAM (all the RAM
 * the kernel does not keep, so its size follows mem=).
 *
 * The caller passes the size back to wheap_free (pvm_port.h's contract), so
 * blocks carry no header. Small blocks (<= WHEAP_SMALL) come in 16-byte
 * classes from 64 KiB chunks, with one free list per class; larger ones are
 * runs of whole pages, first fit from a list of freed runs, else from a
 * bump pointer. Memory never handed out is never touched, so it costs the
 * snapshot store nothing. Pure: the host unit tests run it over a buffer.
 */
#ifndef AMBER_GUEST_WHEAP_H
#define AMBER_GUEST_WHEAP_H

#include <stddef.h>
#include <stdint.h>

#define WHEAP_SMALL   2048u
#define WHEAP_CLASSES (WHEAP_SMALL / 16u)
#define WHEAP_CHUNK   65536u

struct wheap_run { struct wheap_run *next; size_t pages; };

struct wheap {
	uintptr_t lo, bump, hi;          /* pages [lo, bump) handed out at some time */
	uintptr_t chunk, chunk_end;      /* small blocks are carved from here */
	void *small[WHEAP_CLASSES + 1];  /* free lists by class (16-byte units) */
	struct wheap_run *runs;          /* freed page runs */
	size_t used;                     /* bytes handed out, as requested rounded up */
};

void wheap_init(struct wheap *h, uintptr_t lo, uintptr_t hi);   /* rounded inward to pages */
void *wheap_alloc(struct wheap *h, size_t n);                   /* NULL when out; 16-aligned */
void wheap_free(struct wheap *h, void *p, size_t n);            /* n as given to wheap_alloc */

#endif
