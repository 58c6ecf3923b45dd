# hv/module.mk — the hypervisor image (hv.elf) and its host unit tests.

HV_SRCS := hv/main.c hv/console.c hv/err.c hv/serial.c \
           hv/mb2.c hv/config.c hv/vmxcap.c hv/vmxread.c \
           hv/pmem.c hv/gdt.c hv/idt.c hv/time.c \
           hv/vmcs.c hv/vmcs_names.c hv/vmx.c hv/ept.c hv/event.c \
           hv/exit.c hv/exit_reason.c hv/exit_cr.c hv/exit_msr.c \
           hv/cpuid.c hv/msr.c hv/elf.c hv/guest_load.c hv/vdev_backend.c \
           vdev/hcall.c hv/ata.c hv/pci.c hv/heap.c hv/disk.c hv/persist.c \
           hv/state_blob.c hv/state_check.c hv/snap_hcall.c hv/guest_mem.c hv/boot_gen.c \
           hv/console_hold.c hv/smp.c hv/cow_shadow.c
HV_SRCS += hv/ctl.c hv/ctl_proto.c hv/ctl_boot.c # the control channel (hv/CONTROL.md)
HV_ASMS := hv/isr.asm hv/vmx_entry.asm hv/ap_boot.asm
HV_OBJS := $(BUILD)/hv/entry.o $(HV_SRCS:%.c=$(BUILD)/%.o) $(HV_ASMS:%.asm=$(BUILD)/%.o) \
           $(BUILD)/hv/snapshot/snap-hv.o $(BUILD)/hv/snapshot/engine.o \
           $(BUILD)/lib/hv/fmt.o $(BUILD)/lib/hv/mem.o

$(BUILD)/hv/entry.o: boot/entry.asm boot/longmode.inc
	@mkdir -p $(@D)
	$(NASM) -f elf64 -o $@ $<

$(BUILD)/hv/%.o: hv/%.asm boot/longmode.inc
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
HV_TEST_SRCS := tests/hv/check_hv.c hv/mb2.c hv/config.c hv/vmxcap.c hv/err.c lib/fmt.c
$(BUILD)/tests/check_hv: $(HV_TEST_SRCS) hv/*.h lib/*.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ $(HV_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_hv
HOST_TOOLS += $(BUILD)/tests/check_hv

# Host unit tests of EPT, CPUID/MSR policy, hypercalls, exit reasons, ELF, pmem,
# the state blob and the timer across a restore (vdev_backend.c, its hooks stubbed).
VMX_TEST_SRCS := tests/hv/check_vmx.c hv/ept.c hv/cpuid.c hv/msr.c hv/exit_reason.c \
                 hv/vmcs_names.c hv/elf.c hv/pmem.c hv/guest_load.c hv/err.c lib/fmt.c vdev/hcall.c \
                 hv/state_check.c hv/vdev_backend.c
$(BUILD)/tests/check_vmx: $(VMX_TEST_SRCS) hv/*.h vdev/*.h lib/*.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DAMBER_HOST_TEST $(CHECK_CFLAGS) -o $@ $(VMX_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_vmx
HOST_TOOLS += $(BUILD)/tests/check_vmx

# Copy-on-write by copy (cpus=2) over the real EPT code; pmem and the AP stubbed.
SHADOW_TEST_SRCS := tests/hv/check_cow_shadow.c hv/cow_shadow.c hv/ept.c hv/err.c lib/fmt.c
$(BUILD)/tests/check_cow_shadow: $(SHADOW_TEST_SRCS) hv/*.h lib/*.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DAMBER_HOST_TEST $(CHECK_CFLAGS) -o $@ $(SHADOW_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_cow_shadow
HOST_TOOLS += $(BUILD)/tests/check_cow_shadow

# The control channel's parser (hv/ctl_proto.c): Check tests and a libFuzzer
# target (jsmn is header-only: libjsmn-dev).
DEPS_PKGS += libjsmn-dev
CTL_TEST_SRCS := tests/hv/check_ctl.c hv/ctl_proto.c hv/err.c lib/fmt.c
$(BUILD)/tests/check_ctl: $(CTL_TEST_SRCS) hv/ctl.h hv/hv.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ $(CTL_TEST_SRCS) $(CHECK_LIBS)
UNIT_TESTS += $(BUILD)/tests/check_ctl
HOST_TOOLS += $(BUILD)/tests/check_ctl

CTL_FUZZ_CC ?= clang
$(BUILD)/tests/fuzz_ctl: tests/hv/fuzz_ctl.c hv/ctl_proto.c hv/err.c lib/fmt.c hv/ctl.h
	@mkdir -p $(@D)
	$(CTL_FUZZ_CC) -std=gnu11 -g -O1 -I. -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ tests/hv/fuzz_ctl.c hv/ctl_proto.c hv/err.c lib/fmt.c
HOST_TOOLS += $(BUILD)/tests/fuzz_ctl
FUZZERS    += tests/hv/fuzz_ctl.sh
UNIT_TESTS += tests/hv/fuzz_ctl_test.sh

# tools/amber-ctl: the host client of the control channel (jsmn for replies).
AMBER_CTL_SRCS := tools/amber-ctl/main.c tools/amber-ctl/migrate.c
$(BUILD)/tools/amber-ctl: $(AMBER_CTL_SRCS) tools/amber-ctl/ctl.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(AMBER_CTL_SRCS)
HOST_TOOLS += $(BUILD)/tools/amber-ctl

# libFuzzer target of the hypercall dispatcher over a simulated guest RAM.
$(BUILD)/tests/hv/fuzz_hcall: tests/hv/fuzz_hcall.c vdev/hcall.c vdev/*.h
	@mkdir -p $(@D)
	$(SNAP_FUZZ_CC) $(SNAP_FUZZ_FLAGS) -o $@ tests/hv/fuzz_hcall.c vdev/hcall.c

FUZZERS    += tests/hv/fuzz.sh
UNIT_TESTS += tests/hv/fuzz_test.sh
