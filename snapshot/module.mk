# snapshot/ — the snapshot store, built twice: for the host (tools, tests)
# and freestanding with the hypervisor's flags, which must leave no
# undefined symbol (no libc in the hypervisor).

SNAP_SRCS    := $(addprefix snapshot/,util.c io.c super.c alloc.c map.c build.c delta.c txn.c read.c stream.c ident.c inlog.c)
SNAP_HDRS    := snapshot/snap.h snapshot/snap_int.h
SNAP_HOST_O  := $(SNAP_SRCS:%.c=$(BUILD)/host/%.o)
SNAP_HV_O    := $(SNAP_SRCS:%.c=$(BUILD)/hv/%.o)
SNAP_LIB     := $(BUILD)/host/snapshot/libsnap.a

$(BUILD)/host/snapshot/%.o: snapshot/%.c $(SNAP_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(SNAP_LIB): $(SNAP_HOST_O) $(BUILD)/lib/host/fmt.o
	rm -f $@
	ar rcs $@ $^

# No libc headers either: only the compiler's own (stddef, stdint, stdarg),
# xxhash.h alone (linked into a folder of its own) and the three shims it
# wants, so that a bare cross gcc builds the store too.
XXHASH_H     ?= /usr/include/xxhash.h
SNAP_XXINC   := $(BUILD)/hv/snapshot/xxinc
SNAP_HV_INC  := -nostdinc -isystem snapshot/freestanding \
                -isystem $(shell $(CC) -print-file-name=include) -isystem $(SNAP_XXINC)

$(SNAP_XXINC)/xxhash.h: $(XXHASH_H)
	@mkdir -p $(@D)
	ln -sf $< $@

$(BUILD)/hv/snapshot/%.o: snapshot/%.c $(SNAP_HDRS) lib/fmt.h lib/mem.h $(wildcard snapshot/freestanding/*.h) $(SNAP_XXINC)/xxhash.h
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) $(SNAP_HV_INC) -c $< -o $@

# One relocatable object for the hypervisor link; refuses any libc call
# (mem* and the formatter are lib/'s, linked once into hv.elf).
$(BUILD)/hv/snapshot/snap-hv.o: $(SNAP_HV_O)
	$(LD) -r -o $@ $^
	@u=$$(nm -u $@ | awk '{print $$2}' | grep -vxE 'mem(cpy|move|set|cmp)|amber_v?snprintf'); if [ -n "$$u" ]; then \
		echo "snapshot: freestanding store needs undefined symbols:"; \
		echo "$$u"; rm -f $@; exit 1; fi

HOST_TOOLS += $(BUILD)/hv/snapshot/snap-hv.o

# --- tests ---------------------------------------------------------------
SNAP_TDIR    := $(BUILD)/tests/snapshot
SNAP_CRASHDEV := tests/snapshot/crashdev.c tests/snapshot/crashdev.h tests/snapshot/membuf.h

$(SNAP_TDIR)/crash_sim: tests/snapshot/crash_sim.c $(SNAP_CRASHDEV) $(SNAP_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ tests/snapshot/crash_sim.c tests/snapshot/crashdev.c $(SNAP_LIB)

HOST_TOOLS   += $(SNAP_TDIR)/crash_sim

# the same with a 16-entry page buffer (every commit spills many times)
# and a delta list whenever one fits (a commit that did not spill)
$(SNAP_TDIR)/crash_sim_spill: tests/snapshot/crash_sim.c $(SNAP_CRASHDEV) $(SNAP_SRCS) $(SNAP_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DSNAP_WP_MAX=16 -DSNAP_DEAD_MAX=4 -DCRASH_SIM_OPS=150 -DSNAP_DELTA_FACTOR=0 \
		-o $@ tests/snapshot/crash_sim.c tests/snapshot/crashdev.c $(SNAP_SRCS) lib/fmt.c

HOST_TOOLS   += $(SNAP_TDIR)/crash_sim_spill

# the same with a delta list for every commit it fits (format version 3)
$(SNAP_TDIR)/crash_sim_delta: tests/snapshot/crash_sim.c $(SNAP_CRASHDEV) $(SNAP_SRCS) $(SNAP_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DSNAP_DELTA_FACTOR=0 -DCRASH_SIM_OPS=500 \
		-o $@ tests/snapshot/crash_sim.c tests/snapshot/crashdev.c $(SNAP_SRCS) lib/fmt.c

HOST_TOOLS   += $(SNAP_TDIR)/crash_sim_delta

$(SNAP_TDIR)/check_snap: tests/snapshot/check_snap.c $(SNAP_CRASHDEV) $(SNAP_LIB) tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ tests/snapshot/check_snap.c tests/snapshot/crashdev.c $(SNAP_LIB) $(CHECK_LIBS)

HOST_TOOLS   += $(SNAP_TDIR)/check_snap
UNIT_TESTS   += $(SNAP_TDIR)/check_snap

# the store's memory while writing a generation (issue 9); about 5 s
$(SNAP_TDIR)/check_mem: tests/snapshot/check_mem.c $(SNAP_LIB) tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ tests/snapshot/check_mem.c $(SNAP_LIB) $(CHECK_LIBS)

HOST_TOOLS   += $(SNAP_TDIR)/check_mem
UNIT_TESTS   += $(SNAP_TDIR)/check_mem

# --- snapctl ---------------------------------------------------------------
SNAPCTL_SRCS := $(wildcard tools/snapctl/*.c)

$(BUILD)/tools/snapctl: $(SNAPCTL_SRCS) tools/snapctl/snapctl.h $(SNAP_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(SNAPCTL_SRCS) $(SNAP_LIB)

HOST_TOOLS   += $(BUILD)/tools/snapctl

# crash_sim with no arguments: 2000 operations, every request of each one
# crashed once (about 60 s: keep 13 stores need 4096 blocks); the torture
# runs more seeds, fates and ops.
UNIT_TESTS   += $(SNAP_TDIR)/crash_sim $(SNAP_TDIR)/crash_sim_spill $(SNAP_TDIR)/crash_sim_delta \
                tests/snapshot/snapctl_test.sh
TORTURES     += tests/snapshot/torture.sh

# --- fuzzing (clang + libFuzzer) ---------------------------------------------
SNAP_FUZZ_CC    ?= clang
SNAP_FUZZ_FLAGS := -std=gnu11 -g -O1 -I. -fsanitize=fuzzer,address,undefined \
                   -fno-sanitize-recover=undefined -DSNAP_DELTA_FACTOR=0
SNAP_FUZZ_SRCS  := tests/snapshot/fuzz_reader.c tests/snapshot/crashdev.c $(SNAP_SRCS) lib/fmt.c

$(SNAP_TDIR)/fuzz_reader: $(SNAP_FUZZ_SRCS) $(SNAP_HDRS) $(SNAP_CRASHDEV)
	@mkdir -p $(@D)
	$(SNAP_FUZZ_CC) $(SNAP_FUZZ_FLAGS) -o $@ $(SNAP_FUZZ_SRCS)

$(SNAP_TDIR)/fuzz_reader_nocsum: $(SNAP_FUZZ_SRCS) $(SNAP_HDRS) $(SNAP_CRASHDEV)
	@mkdir -p $(@D)
	$(SNAP_FUZZ_CC) $(SNAP_FUZZ_FLAGS) -DSNAP_FUZZ_NOCSUM -o $@ $(SNAP_FUZZ_SRCS)

DEPS_PKGS    += clang libclang-rt-14-dev
FUZZERS      += tests/snapshot/fuzz.sh
UNIT_TESTS   += tests/snapshot/fuzz_test.sh

# --- benchmark -------------------------------------------------------------
$(SNAP_TDIR)/bench_store: tests/snapshot/bench_store.c $(SNAP_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ tests/snapshot/bench_store.c $(SNAP_LIB)

HOST_TOOLS   += $(SNAP_TDIR)/bench_store
BENCHES      += $(SNAP_TDIR)/bench_store
# metadata per generation in Bochs (issue 15), about 50 s
BENCHES      += tests/snapshot/bench_meta.sh

# --- the live snapshot engine (capture, copy-on-write, lazy restore) ---------
SNAPENG_SRCS := snapshot/engine.c
$(BUILD)/hv/snapshot/engine.o: snapshot/engine.c snapshot/engine.h $(SNAP_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) -c $< -o $@
HOST_TOOLS   += $(BUILD)/hv/snapshot/engine.o

$(SNAP_TDIR)/check_engine: tests/snapshot/check_engine.c snapshot/engine.c snapshot/engine.h hv/disk.h $(SNAP_LIB) tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DSNAPENG_DEBUG $(CHECK_CFLAGS) -o $@ tests/snapshot/check_engine.c snapshot/engine.c $(SNAP_LIB) $(CHECK_LIBS)
HOST_TOOLS   += $(SNAP_TDIR)/check_engine
UNIT_TESTS   += $(SNAP_TDIR)/check_engine

# the input log: unit cases and a crash at every request (about 5 s)
$(SNAP_TDIR)/crash_inlog: tests/snapshot/crash_inlog.c $(SNAP_CRASHDEV) $(SNAP_LIB)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ tests/snapshot/crash_inlog.c tests/snapshot/crashdev.c $(SNAP_LIB)

HOST_TOOLS   += $(SNAP_TDIR)/crash_inlog
UNIT_TESTS   += $(SNAP_TDIR)/crash_inlog

# --- guest identity and stream lineage (ident.c, stream.c) ---------------------
$(SNAP_TDIR)/check_lineage: tests/snapshot/check_lineage.c $(SNAP_CRASHDEV) $(SNAP_LIB) tests/unit.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CHECK_CFLAGS) -o $@ tests/snapshot/check_lineage.c tests/snapshot/crashdev.c $(SNAP_LIB) $(CHECK_LIBS)
HOST_TOOLS   += $(SNAP_TDIR)/check_lineage
UNIT_TESTS   += $(SNAP_TDIR)/check_lineage
