# guest/module.mk — the guest kernel (guest.elf, packed into the ISO as the
# module `guest`), its host unit tests and its benchmark.
#
# The whole kernel is built with -mgeneral-regs-only: everything trap() can
# reach must not touch SSE state, which vectors.S does not save. The kernel
# still switches SSE on (guest/main.c) for code built without that flag later.
# -fno-tree-loop-distribute-patterns: GCC would turn the loop of a
# hand-written copy into a call to memcpy().

GUEST_CFLAGS := $(FREE_CFLAGS) -mgeneral-regs-only -fno-tree-loop-distribute-patterns
GUEST_SRCS := guest/main.c guest/gdt.c guest/trap.c guest/console.c \
              guest/line.c guest/kalloc.c guest/vm.c guest/bootinfo.c guest/timer.c \
              guest/user.c guest/default.c guest/hostile.c guest/hostile_insn.c \
              guest/bench.c guest/counter.c guest/workload.c guest/spin.c \
              guest/world.c guest/pvm_port.c guest/wheap.c guest/classimg.c
GUEST_ASMS := guest/entry.S guest/vectors.S guest/usermode.S
# The PVM comes in as pvm/'s freestanding object (pvm/module.mk), built
# with SSE for its float and double bytecodes: safe, because nothing on the
# kernel's interrupt path (all -mgeneral-regs-only) touches XMM or x87
# state, and the hypervisor saves the guest's FXSAVE area in snapshots.
GUEST_OBJS := $(GUEST_ASMS:%.S=$(BUILD)/%.o) $(GUEST_SRCS:%.c=$(BUILD)/%.o) \
              $(BUILD)/lib/guest/fmt.o $(BUILD)/lib/guest/mem.o $(BUILD)/pvm/pvm-free.o
GUEST_ELF := $(BUILD)/guest/guest.elf

$(BUILD)/guest/%.o: guest/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/guest/%.o: guest/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_ELF): $(GUEST_OBJS) guest/kernel.ld
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T guest/kernel.ld -o $@ $(GUEST_OBJS)

-include $(GUEST_OBJS:.o=.d)

IMAGES += $(GUEST_ELF)

# Host unit tests of the pure parts: printf, line editing, allocator, boot info,
# tick deadlines (timer.c links, its hypercalls are never called on the host).
GUEST_TEST_SRCS := tests/guest/check_guest.c lib/fmt.c guest/line.c guest/kalloc.c \
                   guest/bootinfo.c guest/timer.c guest/wheap.c guest/classimg.c
$(BUILD)/tests/check_guest: $(GUEST_TEST_SRCS) guest/*.h lib/*.h vdev/vdev.h tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ $(GUEST_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_guest
HOST_TOOLS += $(BUILD)/tests/check_guest

BENCHES += tests/bench/hv-bench.sh tests/bench/snap-bench.sh

# Boots the real guest under the hypervisor in Bochs (about 25 s).
INTEG_TESTS += tests/integ/guest.sh

# ---- the world's class image (the `pvm` GRUB module) ----
# An ar archive built by tools/mkclassimg from ../shared/phantom/pc, the
# classes this repository ships (guest/world/*.pvs, assembled by pvm-as) and
# the user's folder: `make run CLASSES=DIR`. CLASSES is remembered in a file
# so that changing it rebuilds the image.
CLASSES      ?=
WORLD_PVS    := $(wildcard guest/world/*.pvs)
WORLD_PC     := $(WORLD_PVS:guest/world/%.pvs=$(BUILD)/world/%.pc)
PVM_IMG      := $(BUILD)/pvm/classes.ar
WORLD_DIRS   := $(BUILD)/pvm/classes.dirs

$(BUILD)/world/%.pc: guest/world/%.pvs $(BUILD)/tools/pvm-as
	@mkdir -p $(@D)
	$(BUILD)/tools/pvm-as -o $@ $<

$(WORLD_DIRS): FORCE
	@mkdir -p $(@D)
	@echo "$(PHANTOM_PC) $(abspath $(BUILD)/world) $(CLASSES)" | cmp -s - $@ || \
		echo "$(PHANTOM_PC) $(abspath $(BUILD)/world) $(CLASSES)" > $@

$(PVM_IMG): tools/mkclassimg $(WORLD_PC) $(WORLD_DIRS) $(wildcard $(PHANTOM_PC)/*.pc) \
            $(if $(CLASSES),$(wildcard $(CLASSES)/*.pc $(CLASSES)/*.ph) $(BUILD)/tools/phc)
	tools/mkclassimg $@ $$(cat $(WORLD_DIRS))

.PHONY: FORCE
FORCE:

# Classes of the world's integration tests (tests/integ/world*.sh pass them
# with amber-run --classes).
WORLD_TEST_PVS := $(wildcard tests/guest/world/*.pvs)
WORLD_TEST_PC  := $(WORLD_TEST_PVS:tests/guest/world/%.pvs=$(BUILD)/tests/world/%.pc)
$(BUILD)/tests/world/%.pc: tests/guest/world/%.pvs $(BUILD)/tools/pvm-as
	@mkdir -p $(@D)
	$(BUILD)/tools/pvm-as -o $@ $<
HOST_TOOLS += $(WORLD_TEST_PC)

# The world in Bochs (tests/integ/world*.sh): regression lines, floats,
# a phc-compiled example, the default world across a restore, refusals (8 boots,
# about 5 min); 20 crash/restore cycles of the world torture (each cycle a
# Bochs boot and a restore: about 6.5 min); 200 in `make torture`.
INTEG_TESTS += tests/integ/world.sh tests/integ/world-torture-short
TORTURES    += tests/integ/world-torture-long tests/integ/world-garbage.sh

# Host tests of the world's pure parts (class image parser against the real
# image and every truncation of it, world heap), with ASan and UBSan.
WORLD_TEST_SRCS := tests/guest/check_world.c lib/fmt.c guest/classimg.c guest/wheap.c guest/kalloc.c
$(BUILD)/tests/check_world: $(WORLD_TEST_SRCS) guest/*.h lib/*.h tests/unit.h $(PVM_IMG)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		$(CHECK_CFLAGS) -DCLASS_IMG='"$(abspath $(PVM_IMG))"' -o $@ $(WORLD_TEST_SRCS) $(CHECK_LIBS)

UNIT_TESTS += $(BUILD)/tests/check_world
HOST_TOOLS += $(BUILD)/tests/check_world

# make bench: PVM speed in the guest against the host, snapshots of a
# 64 MiB world (tests/bench/world-bench.sh).
WORLD_BENCH_PVS := $(wildcard tests/bench/world/*.pvs)
WORLD_BENCH_PC  := $(WORLD_BENCH_PVS:tests/bench/world/%.pvs=$(BUILD)/tests/world-bench/%.pc)
$(BUILD)/tests/world-bench/%.pc: tests/bench/world/%.pvs $(BUILD)/tools/pvm-as
	@mkdir -p $(@D)
	$(BUILD)/tools/pvm-as -o $@ $<
HOST_TOOLS += $(WORLD_BENCH_PC)
BENCHES    += tests/bench/world-bench.sh
