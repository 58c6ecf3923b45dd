/*
 * tests/pvm/fuzz_pvm.c — libFuzzer target for the loader and interpreter.
 *
 * An input that starts with "phfr:" is a whole class file: it is loaded
 * and, if it loads, its method 8 runs with the boot object. Any other
 * input is bytecode: it becomes the body of method 8 (and of 16 and 17, so
 * that calls land in fuzzed code too) of a class with 2 fields. Runs are
 * bounded by a memory limit and a step limit; after each run the heap
 * invariants must hold and the VM must free everything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvm/pvm.h"
#include "pvm/host/port_host.h"

static size_t be32put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static size_t rec(uint8_t *o, char tag, const uint8_t *payload, size_t n)
{
	memcpy(o, "phfr:", 5);
	o[5] = (uint8_t)tag;
	be32put(o + 6, (uint32_t)(n + 10));
	memcpy(o + 10, payload, n);
	return n + 10;
}

static size_t method(uint8_t *o, const char *name, uint32_t ord, const uint8_t *code, size_t n)
{
	uint8_t *p = malloc(n + 64);
	size_t k = 0, nl = strlen(name);
	k += be32put(p + k, (uint32_t)nl);
	memcpy(p + k, name, nl);
	k += nl;
	k += be32put(p + k, ord);
	memcpy(p + k, code, n);
	k += n;
	size_t r = rec(o, 'M', p, k);
	free(p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		pvm_host_add_classdir("/nonexistent-pvm-fuzz");
		pvm_host_set_chan(PVM_CHAN_CONSOLE, NULL);
		init = 1;
	}
	if (size > (1 << 20))
		return 0;
	pvm_vm *vm = pvm_new();
	if (!vm)
		return 0;
	pvm_set_mem_limit(vm, 64u << 20);
	pvm_set_step_limit(vm, 3);
	char name[64] = ".fz";
	if (size >= 5 && !memcmp(data, "phfr:", 5)) {
		if (pvm_load_bytes(vm, "fuzz.pc", data, size) == 0 && size >= 14) {
			uint32_t nl = ((uint32_t)data[10] << 24) | ((uint32_t)data[11] << 16) |
				      ((uint32_t)data[12] << 8) | data[13];
			if (nl > 0 && nl < sizeof name && 14 + (size_t)nl <= size) {
				memcpy(name, data + 14, nl);
				name[nl] = 0;
				if (!memchr(name, 0, nl))
					pvm_run_class(vm, name, 8, 1);
			}
		}
	} else {
		uint8_t *buf = malloc(3 * size + 512);
		uint8_t hdr[64];
		size_t k = 0, o = 0;
		k += be32put(hdr + k, 3);
		memcpy(hdr + k, ".fz", 3);
		k += 3;
		k += be32put(hdr + k, 2);        /* fields */
		k += be32put(hdr + k, 20);       /* methods */
		k += be32put(hdr + k, 0);        /* parent "" = root */
		o += rec(buf + o, 'C', hdr, k);
		o += method(buf + o, "run", 8, data, size);
		o += method(buf + o, "m16", 16, data, size);
		o += method(buf + o, "m17", 17, data, size);
		if (pvm_load_bytes(vm, "fz.pc", buf, o) == 0)
			pvm_run_class(vm, ".fz", 8, 1);
		free(buf);
	}
	if (pvm_heap_check(vm) != 0) {
		fprintf(stderr, "heap check after run: %s\n", pvm_errmsg(vm));
		__builtin_trap();
	}
	pvm_collect(vm);
	if (pvm_heap_check(vm) != 0) {
		fprintf(stderr, "heap check after collect: %s\n", pvm_errmsg(vm));
		__builtin_trap();
	}
	pvm_free(vm);
	if (pvm_host_outstanding() != 0) {
		fprintf(stderr, "leak: %zu bytes\n", pvm_host_outstanding());
		__builtin_trap();
	}
	return 0;
}
