/*
 * guest/main.c — the guest kernel's C entry: descriptor tables, SSE, boot
 * info, memory, then the program the command line asks for.
 */
#include "guest/bootinfo.h"
#include "guest/console.h"
#include "guest/fmt.h"
#include "guest/hypercall.h"
#include "guest/kalloc.h"
#include "lib/mem.h"
#include "guest/prog.h"
#include "guest/trap.h"
#include "guest/vm.h"
#include "guest/x86.h"

extern char __kernel_end[];   /* guest/kernel.ld */

struct vdev_boot_info boot_info;

/*
 * The kernel itself is built without SSE (guest/module.mk); this is for
 * code that will want floating point later (the PVM). It runs after the
 * IDT is loaded so that a hypervisor refusing the CR writes shows up as a
 * reported #GP rather than a triple fault.
 */
static void sse_init(void)
{
	lcr0((rcr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	lcr4(rcr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	uint32_t mxcsr = 0x1f80;   /* power-on default: all SIMD exceptions masked */
	/*
	 * Proof that SSE works: were the CR writes silently ignored, XORPS is
	 * #UD. No clobber is declared (GCC refuses one under
	 * -mgeneral-regs-only) and none is needed: the kernel never uses XMM0.
	 */
	__asm__ volatile("ldmxcsr %0; fninit; xorps %%xmm0, %%xmm0" ::"m"(mxcsr));
}

static _Noreturn void bad_bootinfo(const char *why)
{
	kprintf("guest: error: boot info: %s\n", why);
	kprintf("guest: error: refusing to run on a boot info it cannot trust; shutting down\n");
	hc_shutdown(EXIT_BOOTINFO);
}

_Noreturn void kmain(const struct vdev_boot_info *bi)
{
	char err[200];
	gdt_init();
	idt_init();
	sse_init();

	if (!bi || (uintptr_t)bi % 8 || (uintptr_t)bi >= VDEV_GPA_KERNEL_MIN) {
		ksnprintf(err, sizeof err, "pointer %p in RDI is not an aligned address below 1 MiB",
			  (const void *)bi);
		bad_bootinfo(err);
	}
	memcpy(&boot_info, bi, sizeof boot_info);
	if (bootinfo_check(&boot_info, (uint64_t)(uintptr_t)__kernel_end, err, sizeof err))
		bad_bootinfo(err);

	kinit(boot_info.free_start, boot_info.ram_bytes);
	vm_init(boot_info.ram_bytes);

	const char *cmd = boot_info.cmdline;
	char prog[32] = "pvm";   /* the persistent world, as the hypervisor's default */
	cmdline_get(cmd, "guest", prog, sizeof prog);
	uint32_t hz = boot_info.tick_hz;
	/* On a malformed value hz keeps the boot info's, which the hypervisor checked. */
	if (cmdline_uint(cmd, "tick_hz", 1, TICK_HZ_MAX, &hz) < 0)
		kprintf("guest: warning: tick_hz on the command line is not 1..%u; using %u\n",
			TICK_HZ_MAX, hz);
	if (hz != boot_info.tick_hz)
		kprintf("guest: warning: command line tick_hz=%u differs from boot info %u; using %u\n",
			hz, boot_info.tick_hz, hz);

	if (!strcmp(prog, "hostile"))
		prog_hostile();
	if (!strcmp(prog, "bench"))
		prog_bench();
	if (!strcmp(prog, "counter"))
		prog_counter(hz);
	if (!strcmp(prog, "workload"))
		prog_workload();
	if (!strcmp(prog, "spin"))
		prog_spin(hz);
	if (!strcmp(prog, "default"))
		prog_default(hz);
	if (strcmp(prog, "pvm"))
		kprintf("guest: note: no program '%s' in this guest; running the world\n", prog);
	prog_pvm();
}
