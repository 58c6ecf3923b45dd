# hv/module.mk — the hypervisor image (hv.elf) and its host unit tests.

HV_SRCS := hv/main.c hv/console.c hv/fmt.c hv/serial.c hv/string.c \
           hv/mb2.c hv/config.c hv/vmxcap.c hv/vmxread.c \
           hv/pmem.c hv/gdt.c hv/idt.c hv/time.c \
           hv/vmcs.c hv/vmcs_names.c hv/vmx.c hv/ept.c hv/event.c \
           hv/exit.c hv/exit_reason.c hv/exit_cr.c hv/exit_msr.c \
           hv/cpuid.c hv/msr.c hv/elf.c hv/guest_load.c hv/vdev_backend.c \
           vdev/hcall.c hv/ata.c hv/heap.c hv/disk.c hv/persist.c \
           hv/state_blob.c hv/state_check.c hv/snap_hcall.c hv/guest_mem.c hv/boot_gen.c
HV_ASMS := hv/isr.asm hv/vmx_entry.asm
HV_OBJS := $(BUILD)/hv/entry.o $(HV_SRCS:%.c=$(BUILD)/%.o) $(HV_ASMS:%.asm=$(BUILD)/%.o) \
           $(BUILD)/hv/snapshot/snap-hv.o $(BUILD)/hv/snapshot/engine.o

$(BUILD)/hv/entry.o: boot/entry.asm
	@mkdir -p $(@D)
	$(NASM) -f elf64 -o $@ $<

$(BUILD)/hv/%.o: hv/%.asm
	@mkdir -p $(@D)
	$(NASM) -f elf64 -o $@ $<

$(BUILD)/hv/%.o: hv/%.c
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/vdev/%.o: vdev/%.c
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/hv.elf: $(HV_OBJS) boot/hv.ld
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T boot/hv.ld -o $@ $(HV_OBJS)

-include $(HV_OBJS:.o=.d)

# Host unit tests of the pure parts: multiboot2, command line, VT-x decoding.
HV_TEST_SRCS := tests/hv/check_hv.c hv/mb2.c hv/config.c hv/vmxcap.c hv/fmt.c
$(BUILD)/tests/check_hv: $(HV_TEST_SRCS) hv/*.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ $(HV_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_hv
HOST_TOOLS += $(BUILD)/tests/check_hv

# Host unit tests of EPT, CPUID/MSR policy, hypercalls, exit reasons, ELF, pmem.
VMX_TEST_SRCS := tests/hv/check_vmx.c hv/ept.c hv/cpuid.c hv/msr.c hv/exit_reason.c \
                 hv/vmcs_names.c hv/elf.c hv/pmem.c hv/guest_load.c hv/fmt.c vdev/hcall.c \
                 hv/state_check.c
$(BUILD)/tests/check_vmx: $(VMX_TEST_SRCS) hv/*.h vdev/*.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DAMBER_HOST_TEST $(CHECK_CFLAGS) -o $@ $(VMX_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_vmx
HOST_TOOLS += $(BUILD)/tests/check_vmx

# libFuzzer target of the hypercall dispatcher over a simulated guest RAM.
$(BUILD)/tests/hv/fuzz_hcall: tests/hv/fuzz_hcall.c vdev/hcall.c vdev/*.h
	@mkdir -p $(@D)
	$(SNAP_FUZZ_CC) $(SNAP_FUZZ_FLAGS) -o $@ tests/hv/fuzz_hcall.c vdev/hcall.c

FUZZERS    += tests/hv/fuzz.sh
UNIT_TESTS += tests/hv/fuzz_test.sh
