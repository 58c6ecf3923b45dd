/*
 * guest/world.h — the persistent world (guest=pvm): the PVM running the
 * class named by pvm=CLASS from the class image, on all free guest RAM.
 *
 * Everything here lives in guest memory, so a restore brings it back as the
 * snapshot caught it: the heap, every object and green thread, the line a
 * channel was in the middle of. Nothing is re-initialised on a restore.
 */
#ifndef AMBER_GUEST_WORLD_H
#define AMBER_GUEST_WORLD_H

#include <stdint.h>
#include "guest/classimg.h"
#include "guest/wheap.h"

#define WORLD_CHANS 3                   /* enum pvm_chan */
#define WORLD_STACK (1u << 20)          /* the PVM's C stack: nested runs recurse */
#define WORLD_KEEP_PAGES 256u           /* kernel pages kept back from the world */
#define WORLD_DEFAULT_CLASS "amber.world.init"

struct world_out { char buf[512]; uint32_t len; };

struct world {
	struct wheap heap;
	struct classimg classes;
	uint64_t epoch;                     /* the console's view of the restart epoch */
	int reader_waiting;                 /* a thread waits for a console line */
	struct world_out out[WORLD_CHANS];
	char cls[128];
};

extern struct world world;
void world_say(const char *s);
void world_flush(void);   /* ends and writes every channel's partial line */

#endif
