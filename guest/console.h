/*
 * guest/console.h — the paravirtual console: output through
 * VDEV_HC_CONSOLE_WRITE, input announced by VDEV_VEC_CONSOLE and fetched
 * with VDEV_HC_CONSOLE_READ into a line editor (guest/line.h).
 */
#ifndef AMBER_GUEST_CONSOLE_H
#define AMBER_GUEST_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void console_intr(void);          /* VDEV_VEC_CONSOLE: input is waiting */
int console_input_pending(void);  /* set by console_intr, cleared by console_getline */
/*
 * Reads what input the hypervisor holds. Returns the length of a completed
 * line copied to buf[n] (NUL-terminated), or -1 when no line is complete
 * yet. Call it again until -1: one read may complete several lines.
 */
int console_getline(char *buf, size_t n);

/* Shutdown codes passed to VDEV_HC_SHUTDOWN; the hypervisor reports them. */
#define EXIT_OK       0
#define EXIT_BOOTINFO 1   /* boot info failed validation */
#define EXIT_PANIC    2   /* unexpected exception or broken invariant */
#define EXIT_FAILED   3   /* a test program found a failure */

#endif
