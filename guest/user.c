/* guest/user.c — one trip to CPL 3 (guest/user.h). */
#include "guest/user.h"
#include "guest/vm.h"

void user_enter(uint64_t rip, uint64_t rsp);   /* guest/usermode.S: returns via user_leave */
_Noreturn void user_leave(void);

static struct user_result result;

struct user_result user_run(void)
{
	uint64_t page = (uint64_t)(uintptr_t)user_vmcall;
	vm_user_page(page);
	/* The user code pushes nothing; the stack pointer only has to be valid. */
	user_enter(page, page + 4096);
	return result;
}

_Noreturn void user_fault(uint64_t vec, uint64_t err, uint64_t rip, uint64_t rax)
{
	result = (struct user_result){ vec, err, rip, rax };
	user_leave();
}
