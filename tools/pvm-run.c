/*
 * tools/pvm-run — run a Phantom class on the PVM (spec §6.1, §8.2).
 *
 *   pvm-run [-C CLASSDIR]... CLASS [--call ORDINAL] [--trace] [-v] [--tty]
 *           [--env NAME=VALUE]... [--no-arg]
 *
 * Creates the boot object, loads CLASS, makes an instance without running a
 * constructor and calls method 8 (or ORDINAL) with the boot object as its
 * argument (none with --no-arg). Console output goes to stdout; tty windows
 * (--tty) and diagnostics (-v, --trace) to stderr.
 *
 * Exit status: 0 done, 2 load error / panic / unhandled exception, 1 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm/pvm.h"
#include "pvm/host/port_host.h"

static void usage(void)
{
	fprintf(stderr, "usage: pvm-run [-C CLASSDIR]... CLASS [--call ORDINAL] [--trace] [-v] [--tty]\n"
			"               [--env NAME=VALUE]... [--no-arg]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *cls = NULL;
	const char *envs[64];
	int nenv = 0, ordinal = 8, trace = 0, nargs = 1, ndirs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-C") && i + 1 < argc) {
			pvm_host_add_classdir(argv[++i]);
			ndirs++;
		} else if (!strncmp(a, "-C", 2) && a[2]) {
			pvm_host_add_classdir(a + 2);
			ndirs++;
		} else if (!strcmp(a, "--call") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 0);
			if (*end || v < 0 || v > 0x7FFFFFFF)
				usage();
			ordinal = (int)v;
		} else if (!strcmp(a, "--trace")) {
			trace = 1;
			pvm_host_set_chan(PVM_CHAN_LOG, stderr);
		} else if (!strcmp(a, "-v")) {
			pvm_host_set_chan(PVM_CHAN_LOG, stderr);
		} else if (!strcmp(a, "--tty")) {
			pvm_host_set_chan(PVM_CHAN_TTY, stderr);
		} else if (!strcmp(a, "--env") && i + 1 < argc && nenv < 64) {
			envs[nenv++] = argv[++i];
		} else if (!strcmp(a, "--no-arg")) {
			nargs = 0;
		} else if (a[0] == '-' || cls) {
			usage();
		} else {
			cls = a;
		}
	}
	if (!cls)
		usage();
	if (!ndirs)
		pvm_host_add_classdir(".");
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	pvm_vm *vm = pvm_new();
	if (!vm) {
		fprintf(stderr, "pvm-run: out of memory creating the VM\n");
		return 2;
	}
	for (int i = 0; i < nenv; i++)
		if (pvm_setenv(vm, envs[i])) {
			fprintf(stderr, "pvm-run: bad --env '%s' (want NAME=VALUE)\n", envs[i]);
			return 1;
		}
	pvm_set_trace(vm, trace);
	int r = pvm_run_class(vm, cls, ordinal, nargs);
	fflush(stdout);
	int status = 0;
	switch (r) {
	case PVM_OK:
		break;
	case PVM_EUNHANDLED:
		fprintf(stderr, "pvm-run: unhandled exception: %s\n%s", pvm_errmsg(vm), pvm_backtrace(vm));
		status = 2;
		break;
	case PVM_EPANIC:
		fprintf(stderr, "pvm-run: panic: %s\n%s", pvm_errmsg(vm), pvm_backtrace(vm));
		status = 2;
		break;
	default:
		fprintf(stderr, "pvm-run: %s\n", *pvm_errmsg(vm) ? pvm_errmsg(vm) : pvm_strerror(r));
		status = 2;
	}
	pvm_free(vm);
#ifdef PVM_COUNT_OPS
	fprintf(stderr, "pvm-run: %llu instructions\n", (unsigned long long)pvm_ops_count);
#endif
	return status;
}
