/*
 * guest/classimg.h — the world's class image: the `pvm` GRUB module, an
 * `ar` archive of .pc class files as binutils writes it (GNU variant: names
 * end in '/', long names live in the "//" member and are referenced as
 * "/N", the "/" symbol table is skipped). `ar t build/pvm/classes.ar` lists
 * it. The original Phantom build also keeps its class library in an ar
 * archive.
 *
 * classimg_open() checks the whole archive before the world uses any of it:
 * the global header, every member header (terminator, decimal size), that
 * each member lies inside the image, that long-name references resolve, and
 * that no name is empty. A damaged or truncated archive is refused with a
 * message naming the entry and its byte offset. Pure: the host unit tests
 * (tests/guest) use it as it is.
 */
#ifndef AMBER_GUEST_CLASSIMG_H
#define AMBER_GUEST_CLASSIMG_H

#include <stddef.h>
#include <stdint.h>

#define CLASSIMG_MAGIC    "!<arch>\n"
#define CLASSIMG_HDR      60u       /* bytes of a member header */
#define CLASSIMG_NAME_MAX 255u

struct classimg {
	const uint8_t *img;
	size_t len;
	const char *longnames;          /* the "//" member, or NULL */
	size_t longlen;
	unsigned entries;               /* members that are files */
};

struct classimg_entry {
	char name[CLASSIMG_NAME_MAX + 1];   /* file name, e.g. "ru.dz.phantom.system.boot.pc" */
	const uint8_t *data;
	size_t size;
	size_t offset;                  /* of the member header in the image */
};

/* 0, or -1 with a one-line reason in err[errlen]. */
int classimg_open(struct classimg *ci, const uint8_t *img, size_t len, char *err, size_t errlen);

/* Iteration over the file members of an opened image: start with *off = 0;
 * returns 1 with *e filled, 0 at the end. */
int classimg_next(const struct classimg *ci, size_t *off, struct classimg_entry *e);

/* The member NAME.pc (NAME without a leading dot, compared case-insensitively
 * as Phantom class names are, spec §6.2). 1 when found, else 0. */
int classimg_find(const struct classimg *ci, const char *name, size_t len, struct classimg_entry *e);

#endif
