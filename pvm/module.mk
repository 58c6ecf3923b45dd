# pvm/ — the Phantom-compatible bytecode VM (see pvm/pvm.h).
#
# The same sources build three ways:
#   host   (-O2)              tools: pvm-run, pvm-dis, pvm-as; benchmarks
#   test   (-DPVM_TEST, ASan+UBSan) the Check tests: allocation-failure
#          injection on, every leak reported by LeakSanitizer; built twice,
#          with computed-goto and with switch dispatch
#   free   ($(FREE_CFLAGS))   object-only proof that pvm/ is freestanding
# plus a libFuzzer build of the loader+interpreter (clang).

PVM_SRCS := pvm/lib.c pvm/heap.c pvm/values.c pvm/classes.c pvm/loader.c \
            pvm/interp.c pvm/prefix.c pvm/natives.c pvm/natives_sys.c pvm/thread.c \
            pvm/gc.c pvm/vm.c pvm/ops.c pvm/wait.c
PVM_HDRS := pvm/pvm.h pvm/pvm_int.h pvm/natives_int.h pvm/pvm_port.h pvm/opcodes.h pvm/interp_int.h \
            pvm/host/port_host.h
PVM_HOST := pvm/host/port_host.c

PVM_OBJS      := $(PVM_SRCS:%.c=$(BUILD)/pvm/host/%.o) $(BUILD)/pvm/host/pvm/host/port_host.o
PVM_TEST_OBJS := $(PVM_SRCS:%.c=$(BUILD)/pvm/test/%.o) $(BUILD)/pvm/test/pvm/host/port_host.o
PVM_FREE_OBJS := $(PVM_SRCS:%.c=$(BUILD)/pvm/free/%.o)
PVM_SW_OBJS   := $(PVM_SRCS:%.c=$(BUILD)/pvm/testsw/%.o) $(BUILD)/pvm/testsw/pvm/host/port_host.o
PVM_SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

$(BUILD)/pvm/host/%.o: %.c $(PVM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/pvm/test/%.o: %.c $(PVM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -O1 -DPVM_TEST $(PVM_SAN) -c $< -o $@

# the same test build with a switch instead of computed gotos
$(BUILD)/pvm/testsw/%.o: %.c $(PVM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -O1 -DPVM_TEST -DPVM_JUMPTABLE=0 $(PVM_SAN) -c $< -o $@

$(BUILD)/pvm/free/%.o: %.c $(PVM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FREE_CFLAGS) -c $< -o $@

$(BUILD)/pvm/libpvm.a: $(PVM_OBJS) $(BUILD)/lib/host/fmt.o
	rm -f $@ && ar rcs $@ $^

$(BUILD)/pvm/libpvm-test.a: $(PVM_TEST_OBJS) $(BUILD)/lib/host/fmt.o
	rm -f $@ && ar rcs $@ $^

$(BUILD)/pvm/libpvm-testsw.a: $(PVM_SW_OBJS) $(BUILD)/lib/host/fmt.o
	rm -f $@ && ar rcs $@ $^

# One relocatable object, as the guest will link it; it may need nothing
# but the port, the four mem* functions and the formatter (lib/).
$(BUILD)/pvm/pvm-free.o: $(PVM_FREE_OBJS)
	$(LD) -r -o $@ $^

$(BUILD)/pvm/freestanding.stamp: $(BUILD)/pvm/pvm-free.o
	@undef=$$(nm -u $(BUILD)/pvm/pvm-free.o | awk '{print $$2}' | grep -vxE 'mem(cpy|move|set|cmp)|amber_v?snprintf|pvm_port_[a-z_]+'); \
	if [ -n "$$undef" ]; then echo "pvm: the freestanding build needs $$undef"; exit 1; fi
	@touch $@

$(BUILD)/tools/pvm-%: tools/pvm-%.c $(BUILD)/pvm/libpvm.a
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $< $(BUILD)/pvm/libpvm.a -o $@

HOST_TOOLS += $(BUILD)/tools/pvm-run $(BUILD)/tools/pvm-dis $(BUILD)/tools/pvm-as $(BUILD)/pvm/freestanding.stamp

# ---- tests ----
PVM_ASM     := $(wildcard tests/pvm/asm/*.pvs)
PVM_TEST_PC := $(BUILD)/tests/pvm/pc
PVM_ASM_PC  := $(PVM_ASM:tests/pvm/asm/%.pvs=$(PVM_TEST_PC)/%.pc)

$(PVM_TEST_PC)/%.pc: tests/pvm/asm/%.pvs $(BUILD)/tools/pvm-as
	@mkdir -p $(dir $@)
	$(BUILD)/tools/pvm-as -o $@ $<

$(BUILD)/tests/pvm/check_pvm: tests/pvm/check_pvm.c $(BUILD)/pvm/libpvm-test.a tests/unit.h $(PVM_ASM_PC)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -O1 $(PVM_SAN) $(CHECK_CFLAGS) \
		-DPVM_TEST_PC='"$(abspath $(PVM_TEST_PC))"' -DPHANTOM_PC='"$(abspath $(PHANTOM_PC))"' \
		$< $(BUILD)/pvm/libpvm-test.a $(CHECK_LIBS) -o $@

$(BUILD)/tests/pvm/check_pvm_switch: tests/pvm/check_pvm.c $(BUILD)/pvm/libpvm-testsw.a tests/unit.h $(PVM_ASM_PC)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -O1 $(PVM_SAN) $(CHECK_CFLAGS) \
		-DPVM_TEST_PC='"$(abspath $(PVM_TEST_PC))"' -DPHANTOM_PC='"$(abspath $(PHANTOM_PC))"' \
		$< $(BUILD)/pvm/libpvm-testsw.a $(CHECK_LIBS) -o $@

HOST_TOOLS += $(BUILD)/tests/pvm/check_pvm $(BUILD)/tests/pvm/check_pvm_switch
UNIT_TESTS += $(BUILD)/tests/pvm/check_pvm $(BUILD)/tests/pvm/check_pvm_switch
UNIT_TESTS += tests/pvm/tools.sh    # the tools as a user runs them
DEPS_PKGS  += check pkg-config valgrind

# ---- benchmarks ----
# pvm-run-count: the host build counting executed instructions (bench only)
PVM_COUNT_OBJS := $(PVM_SRCS:%.c=$(BUILD)/pvm/count/%.o) $(BUILD)/pvm/count/pvm/host/port_host.o

$(BUILD)/pvm/count/%.o: %.c $(PVM_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -DPVM_COUNT_OPS -c $< -o $@

$(BUILD)/tools/pvm-run-count: tools/pvm-run.c $(PVM_COUNT_OBJS) $(LIB_HOST_FMT)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -DPVM_COUNT_OPS $^ -o $@

PVM_BENCH_PC := $(patsubst tests/pvm/bench/%.pvs,$(BUILD)/tests/pvm/bench/%.pc,$(wildcard tests/pvm/bench/*.pvs))

$(BUILD)/tests/pvm/bench/%.pc: tests/pvm/bench/%.pvs $(BUILD)/tools/pvm-as
	@mkdir -p $(dir $@)
	$(BUILD)/tools/pvm-as -o $@ $<

$(BUILD)/tests/pvm/bench.stamp: $(PVM_BENCH_PC) $(BUILD)/tools/pvm-run $(BUILD)/tools/pvm-run-count
	@touch $@

.PHONY: pvm-bench
pvm-bench: $(BUILD)/tests/pvm/bench.stamp
	@tests/pvm/bench.sh $(BUILD)

HOST_TOOLS += $(BUILD)/tests/pvm/bench.stamp
BENCHES    += tests/pvm/bench.sh
DEPS_PKGS  += lua5.4

# ---- fuzzing (clang libFuzzer) ----
PVM_FUZZ_CC := $(shell command -v clang 2>/dev/null)

$(BUILD)/tests/pvm/fuzz_pvm: tests/pvm/fuzz_pvm.c $(PVM_SRCS) $(PVM_HOST) $(PVM_HDRS) lib/fmt.c lib/fmt.h
	@mkdir -p $(dir $@)
	$(PVM_FUZZ_CC) -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. -DPVM_TEST \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		tests/pvm/fuzz_pvm.c $(PVM_SRCS) $(PVM_HOST) lib/fmt.c -o $@

ifneq ($(PVM_FUZZ_CC),)
HOST_TOOLS += $(BUILD)/tests/pvm/fuzz_pvm
endif
UNIT_TESTS += tests/pvm/fuzz-short.sh
FUZZERS    += tests/pvm/fuzz.sh
DEPS_PKGS  += clang libclang-rt-14-dev

# the test scripts read the class directory from the environment
export PHANTOM_PC
