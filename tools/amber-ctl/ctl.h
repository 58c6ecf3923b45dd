/*
 * tools/amber-ctl/ctl.h — the host client of Amber's control channel
 * (hv/CONTROL.md): one request, one reply, over the UNIX socket that
 * tools/amber-run makes of COM2.
 */
#ifndef AMBER_TOOLS_CTL_H
#define AMBER_TOOLS_CTL_H

#include <stdint.h>

#define JSMN_HEADER
#include <jsmn.h>

/* Exit codes (amber-ctl --help). */
enum { CX_OK = 0, CX_REFUSED = 1, CX_USAGE = 2, CX_CONN = 3, CX_MIGRATE = 4 };

struct reply {
	char line[1024];
	jsmntok_t tok[128];
	int ntok;
	int ok;
};

extern const char *prog;
extern const char *sock_path;
extern int timeout_s;

/*
 * Sends {"v":1,"id":N,"cmd":CMD<extra>} and waits for the reply with that
 * id (replies to other ids, left over from an earlier client, are skipped).
 * extra is "" or ",\"gen\":3" etc. Returns CX_OK with r filled (r->ok says
 * whether the hypervisor did it), or CX_CONN after printing why.
 */
int ctl_call(const char *cmd, const char *extra, struct reply *r, int secs);

/* The value of a top-level member: as an integer, or copied as text. */
int reply_u64(const struct reply *r, const char *key, uint64_t *out);
int reply_str(const struct reply *r, const char *key, char *out, size_t n);
/* Prints "amber-ctl: CMD: ERROR: MESSAGE" for a refused request. */
void reply_complain(const struct reply *r, const char *cmd);

/* The source's disk image (--disk, or the default make run disk). */
const char *ctl_disk(void);
int cmd_migrate(int argc, char **argv);

#endif
