/*
 * pvm/host/port_host.c — the PVM port for Linux host programs (pvm-run,
 * tests, benchmarks): malloc, stdio, clock_gettime, and class files found
 * case-insensitively in the directories given to pvm_host_add_classdir().
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sched.h>

#include "pvm/pvm.h"
#include "pvm/pvm_port.h"
#include "pvm/host/port_host.h"

static const char *dirs[16];
static int ndirs;
static FILE *chan_file[3];
static int chan_set[3];
static size_t outstanding;

void pvm_host_add_classdir(const char *d)
{
	if (ndirs < 16)
		dirs[ndirs++] = d;
}

void pvm_host_clear_classdirs(void)
{
	ndirs = 0;
}

void pvm_host_set_chan(int chan, FILE *f)
{
	if (chan >= 0 && chan < 3) {
		chan_file[chan] = f;
		chan_set[chan] = 1;
	}
}

size_t pvm_host_outstanding(void)
{
	return outstanding;
}

void *pvm_port_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p)
		outstanding += size;
	return p;
}

void pvm_port_free(void *p, size_t size)
{
	if (p)
		outstanding -= size;
	free(p);
}

/* Default routing: console to stdout, tty and log dropped unless asked. */
void pvm_port_write(int chan, const char *s, size_t len)
{
	FILE *f = chan == PVM_CHAN_CONSOLE ? stdout : NULL;
	if (chan >= 0 && chan < 3 && chan_set[chan])
		f = chan_file[chan];
	if (f && len)
		fwrite(s, 1, len, f);
}

/* Test builds (Check tests, the fuzzer) never really sleep: an idle VM
 * jumps this skew to the deadline, so boot.sleep(10^9) costs nothing. */
static uint64_t skew_ns;

uint64_t pvm_port_time_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + skew_ns;
}

void pvm_port_yield(void)
{
	sched_yield();
}

#ifdef PVM_TEST
static void sim_idle(void);
#endif

/* Sleeps until the deadline: boot.sleep is real on the host too. */
void pvm_port_idle(uint64_t wake_ns)
{
#ifdef PVM_TEST
	sim_idle();
#endif
	uint64_t now = pvm_port_time_ns();
	if (!wake_ns || wake_ns <= now) {
		sched_yield();
		return;
	}
	uint64_t d = wake_ns - now;
#ifdef PVM_TEST
	skew_ns += d;
#else
	struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
	nanosleep(&ts, NULL);
#endif
}

/* The host tools are headless: console reads get an empty string. */
int pvm_port_read_line(char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return -1;
}

/* The host tools keep no store: boot.waitDurable returns 0 at once
 * (pvm/README.md). Test builds can simulate a store (port_host.h). */
#ifdef PVM_TEST
static int sim_store;
static uint64_t sim_promised, sim_durable, sim_epoch = 1;

void pvm_host_sim_store(int mode)
{
	sim_store = mode;
	sim_promised = sim_durable = 0;
	sim_epoch = 1;
}

/* The simulated store commits everything promised while the VM idles, so
 * a waiter wakes only once every other thread waits too: a test sees the
 * others run meanwhile. Mode 2 instead restores at its first idle, losing
 * every generation not yet committed (a new epoch), then acts as mode 1. */
static void sim_idle(void)
{
	if (sim_store == 2) {
		sim_epoch++;
		sim_store = 1;
	} else if (sim_store > 0) {
		sim_durable = sim_promised;
	}
}
#endif

int64_t pvm_port_durable_request(void)
{
#ifdef PVM_TEST
	if (sim_store)
		return sim_store < 0 ? -1 : (int64_t)++sim_promised;
#endif
	return 0;
}

uint64_t pvm_port_durable_last(void)
{
#ifdef PVM_TEST
	return sim_durable;
#else
	return 0;
#endif
}

uint64_t pvm_port_epoch(void)
{
#ifdef PVM_TEST
	return sim_epoch;
#else
	return 1;
#endif
}

struct loaded {
	uint8_t *data;
	size_t size;
	char path[4096];
};

static int try_dir(const char *dir, const char *want, struct loaded *l)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int found = -1;
	while ((e = readdir(d))) {
		if (strcasecmp(e->d_name, want))
			continue;
		snprintf(l->path, sizeof l->path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(l->path, "rb");
		if (!f)
			continue;
		if (fseek(f, 0, SEEK_END) == 0) {
			long n = ftell(f);
			if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
				l->data = malloc((size_t)n + 1);
				if (l->data && fread(l->data, 1, (size_t)n, f) == (size_t)n) {
					l->size = (size_t)n;
					found = 0;
				} else {
					free(l->data);
					l->data = NULL;
				}
			}
		}
		fclose(f);
		if (!found)
			break;
	}
	closedir(d);
	return found;
}

int pvm_port_class_find(const char *name, size_t len, const uint8_t **data, size_t *size,
			void **handle, const char **file)
{
	char want[1100];
	if (len > 1024 || memchr(name, '/', len) || memchr(name, 0, len))
		return -1;
	memcpy(want, name, len);
	want[len] = 0;
	if (!strcasestr(want, ".pc"))
		strcat(want, ".pc");
	struct loaded *l = calloc(1, sizeof *l);
	if (!l)
		return -1;
	for (int i = 0; i < ndirs; i++)
		if (try_dir(dirs[i], want, l) == 0) {
			*data = l->data;
			*size = l->size;
			*handle = l;
			*file = l->path;
			return 0;
		}
	free(l);
	return -1;
}

void pvm_port_class_release(void *handle)
{
	struct loaded *l = handle;
	if (l) {
		free(l->data);
		free(l);
	}
}
