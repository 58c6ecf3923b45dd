/*
 * guest/world.c — guest=pvm: create the world on a fresh start and run it.
 *
 * Order: find and check the class image (every ar member, then the record
 * framing of every .pc in it), check that pvm=CLASS is there, hand all free
 * RAM to the world heap, move to a 1 MiB stack from that heap, and run
 * CLASS's method 8 with the boot object (pvm_run_class, as pvm-run does).
 * The PVM's scheduler never returns while a thread sleeps or waits for
 * input: it idles the vCPU in pvm_port_idle. On a restore none of this runs
 * again; the vCPU simply continues wherever the snapshot caught it.
 *
 * Refusals (a damaged image, a missing class) print one clear line and stop
 * the guest with EXIT_FAILED; the hypervisor and its store carry on. A class
 * that panics or throws prints the message and backtrace; the world then
 * idles with whatever threads are left, so its state stays inspectable.
 */
#include "guest/bootinfo.h"
#include "guest/console.h"
#include "guest/fmt.h"
#include "guest/hypercall.h"
#include "guest/kalloc.h"
#include "guest/prog.h"
#include "guest/world.h"
#include "guest/x86.h"
#include "lib/mem.h"
#include "pvm/pvm.h"

static _Noreturn void refuse(const char *msg)
{
	kprintf("world: error: %s\n", msg);
	kprintf("world: not started; the guest stops (the hypervisor and the store are unharmed)\n");
	hc_shutdown(EXIT_FAILED);
}

/* The record framing of every class file (spec §1.2): a damaged entry is
 * named with the offset of the bad record inside the archive. */
static void check_classes(char *err, size_t errlen)
{
	size_t off = 0;
	struct classimg_entry e;
	char why[200];
	while (classimg_next(&world.classes, &off, &e)) {
		size_t n = strlen(e.name);
		if (n < 3 || strcmp(e.name + n - 3, ".pc"))
			continue;   /* other files (sources, notes) are allowed and ignored */
		size_t ro = 0;
		struct pvm_record rec;
		int r;
		while ((r = pvm_record_next(e.data, e.size, &ro, &rec, why, sizeof why)) > 0)
			;
		if (r < 0) {
			ksnprintf(err, errlen, "class image: entry '%s' at offset %zu (data at %zu): %s", e.name,
				  e.offset, e.offset + CLASSIMG_HDR, why);
			refuse(err);
		}
	}
}

static _Noreturn void world_main(void)
{
	char line[160];
	pvm_vm *vm = pvm_new();
	if (!vm)
		refuse("out of memory creating the PVM");
	pvm_set_mem_limit(vm, world.heap.hi - world.heap.lo);
	uint64_t t0 = rdtsc();
	int r = pvm_run_class(vm, world.cls, 8, 1);
	uint64_t cycles = rdtsc() - t0;
	world_flush();
	if (r) {
		ksnprintf(line, sizeof line, "world: %s stopped: %s: ", world.cls, pvm_strerror(r));
		world_say(line);
		world_say(pvm_errmsg(vm));
		world_say("\n");
		world_say(pvm_backtrace(vm));
	} else {
		/* make bench reads the TSC figure (Bochs: one cycle per instruction);
		 * live bytes after a last collection: what the program still holds */
		pvm_collect(vm);
		ksnprintf(line, sizeof line, "world: every thread of %s has ended (%llu TSC cycles, %zu bytes live)\n",
			  world.cls, (unsigned long long)cycles, pvm_live_bytes(vm));
		world_say(line);
	}
	world_say("world: idle (the world's memory is kept; nothing runs)\n");
	for (;;)
		sti_hlt();
}

_Noreturn void prog_pvm(void)
{
	char err[320];
	const struct vdev_module *m = NULL;
	for (uint32_t i = 0; i < boot_info.n_modules; i++)
		if (!strcmp(boot_info.modules[i].name, "pvm"))
			m = &boot_info.modules[i];
	if (!m)
		refuse("no class image: the GRUB module 'pvm' is absent");
	if (classimg_open(&world.classes, (const uint8_t *)(uintptr_t)m->gpa, m->len, err, sizeof err))
		refuse(err);
	check_classes(err, sizeof err);

	if (!cmdline_get(boot_info.cmdline, "pvm", world.cls, sizeof world.cls))
		ksnprintf(world.cls, sizeof world.cls, "%s", WORLD_DEFAULT_CLASS);
	const char *c = world.cls[0] == '.' ? world.cls + 1 : world.cls;
	struct classimg_entry e;
	if (!*c || !classimg_find(&world.classes, c, strlen(c), &e)) {
		ksnprintf(err, sizeof err, "class '%s' (pvm=%s) is not in the class image (%u entries); "
			  "put %s.pc in the folder given to CLASSES= or --classes", c, world.cls,
			  world.classes.entries, c);
		refuse(err);
	}

	uintptr_t lo, hi;
	kalloc_give_rest(WORLD_KEEP_PAGES, &lo, &hi);
	wheap_init(&world.heap, lo, hi);
	world.epoch = hc_epoch();
	void *stack = wheap_alloc(&world.heap, WORLD_STACK);
	if (!stack)
		refuse("not enough guest RAM for the world (raise mem=)");
	kprintf("world: %llu MiB for objects, %u classes in the image, running %s\n",
		(unsigned long long)((hi - lo) >> 20), world.classes.entries, world.cls);
	uintptr_t top = ((uintptr_t)stack + WORLD_STACK) & ~(uintptr_t)15;
	/* A fresh stack for the PVM: world_main never returns. */
	__asm__ volatile("mov %0, %%rsp\n\txor %%ebp, %%ebp\n\tcall *%1\n\tud2"
			 : : "r"(top), "r"(world_main) : "memory");
	__builtin_unreachable();
}
