# Amber — top-level build.
#
# Each component folder has a `module.mk` fragment that appends to the lists
# below; this file only defines the toolchains, the lists and the verbs.
#
#   make deps     install the Debian packages Amber needs (quiet when present)
#   make all      hypervisor ISO and host tools
#   make run      boot Amber on the best engine available (tools/amber-run)
#   make test     unit tests + integration tests (what CI runs)
#   make bench    benchmarks (ratios measured side by side)
#   make torture  long crash/restore torture
#   make fuzz     fuzz targets for a set time (FUZZ_SECONDS)

BUILD        := build
SHARED       ?= $(abspath ../shared)
PHANTOM_PC   ?= $(SHARED)/phantom/pc

# Host builds (tools, tests): the freestanding modules are compiled here too.
HOST_CC      ?= gcc
HOST_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -O2 -g -I. $(EXTRA_CFLAGS)
CHECK_CFLAGS  = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS    = $(shell pkg-config --libs check 2>/dev/null)

# Freestanding builds (hv/, guest/): host gcc unless CROSS= names a cross gcc.
CROSS        ?=
CC           := $(CROSS)gcc
LD           := $(CROSS)ld
OBJCOPY      := $(CROSS)objcopy
FREE_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -O2 -g -I. \
                -ffreestanding -fno-builtin -nostdlib -mno-red-zone \
                -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
                -mcmodel=small
# The hypervisor never touches SSE/x87 state: it would have to save the guest's.
HV_CFLAGS    := $(FREE_CFLAGS) -mgeneral-regs-only
NASM         ?= nasm

# Packages a fresh Debian 12 machine needs; fragments may add their own.
DEPS_PKGS    := gcc make nasm grub-pc-bin grub-common xorriso mtools bochs bochsbios \
                vgabios bochs-term socat qemu-system-x86 libxxhash-dev check pkg-config

# Lists the fragments append to.
HOST_TOOLS   :=   # binaries built by `all`
UNIT_TESTS   :=   # host test programs; each ends with "N passed, N failed"
INTEG_TESTS  :=   # integration test scripts run by `make test` after unit tests
BENCHES      :=   # benchmark programs or scripts
TORTURES     :=   # long torture scripts
FUZZERS      :=   # fuzz scripts: `SCRIPT SECONDS`
IMAGES       :=   # targets that go into the ISO

.PHONY: all deps run test unit integ bench torture fuzz clean
all:

include $(filter-out boot/module.mk,$(wildcard */module.mk tests/*/module.mk))
# Last: the ISO recipe packs what the other fragments build (GUEST_ELF, PVM_IMG).
include boot/module.mk

all: $(HOST_TOOLS) $(IMAGES)

deps:
	@tools/install-deps $(sort $(DEPS_PKGS))

# The guest lives on this disk, outside build/ so that `make clean` keeps
# it: a second `make run` resumes it (its control socket is RUN_DISK.ctl,
# tools/amber-ctl's default). A disk of an older checkout in build/ moves.
AMBER_DATA ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/amber
RUN_DISK ?= $(AMBER_DATA)/disk.img
run: deps all
	@mkdir -p $(dir $(RUN_DISK))
	@if [ -f $(BUILD)/amber-disk.img ] && [ ! -e $(RUN_DISK) ]; then \
		mv $(BUILD)/amber-disk.img $(RUN_DISK) && echo "make run: moved the guest's disk to $(RUN_DISK)"; fi
	@# `format` only for a disk that is new (absent, or all zeros as amber-run
	@# creates it): an existing store is never formatted, and damage found on it
	@# is kept for snapctl verify/drop to decide.
	@fmt=; if [ ! -s $(RUN_DISK) ] || cmp -s -n "$$(stat -c %s $(RUN_DISK))" $(RUN_DISK) /dev/zero; \
	then fmt=format; fi; \
	echo tools/amber-run --disk $(RUN_DISK) --cmdline "$$fmt $(RUN_CMDLINE)" $(RUN_ARGS); \
	tools/amber-run --disk $(RUN_DISK) --cmdline "$$fmt $(RUN_CMDLINE)" $(RUN_ARGS)

# Unit tests first: they are fast and pin down most regressions.
test: deps
	@$(MAKE) --no-print-directory all
	@tests/run-suite test $(UNIT_TESTS) $(INTEG_TESTS)

unit: all
	@tests/run-suite unit $(UNIT_TESTS)

integ: all
	@tests/run-suite integ $(INTEG_TESTS)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/run-suite bench $(BENCHES)

torture: deps
	@$(MAKE) --no-print-directory all
	@tests/run-suite torture $(TORTURES)

FUZZ_SECONDS ?= 300
fuzz: deps
	@$(MAKE) --no-print-directory all
	@set -e; for f in $(FUZZERS); do $$f $(FUZZ_SECONDS); done

clean:
	rm -rf $(BUILD)
