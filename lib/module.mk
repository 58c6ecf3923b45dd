# lib/ — what every image shares: the formatter (lib/fmt.h, Debian's
# stb_sprintf) and mem*/str* (lib/mem.c). Each image compiles the same
# sources with its own flags:
#   $(BUILD)/lib/hv/     hypervisor (-mgeneral-regs-only: no %f)
#   $(BUILD)/lib/guest/  guest kernel (-mgeneral-regs-only: no %f)
#   $(BUILD)/lib/host/   host tools and tests (fmt.o only; libc has mem*)
# The freestanding builds see no libc header at all (-nostdinc): only the
# compiler's own and stb_sprintf.h, linked into a folder of its own.

LIB_SRCS     := lib/fmt.c lib/mem.c
LIB_HDRS     := lib/fmt.h lib/mem.h
STB_DIR      ?= /usr/include/stb
LIB_INC      := $(BUILD)/lib/inc
LIB_FREE_INC := -nostdinc -isystem $(shell $(CC) -print-file-name=include) -isystem $(LIB_INC)
LIB_HV_OBJS    := $(BUILD)/lib/hv/fmt.o $(BUILD)/lib/hv/mem.o
LIB_GUEST_OBJS := $(BUILD)/lib/guest/fmt.o $(BUILD)/lib/guest/mem.o
LIB_HOST_FMT   := $(BUILD)/lib/host/fmt.o

$(LIB_INC)/stb/stb_sprintf.h: $(STB_DIR)/stb_sprintf.h
	@mkdir -p $(LIB_INC)
	ln -sfn $(STB_DIR) $(LIB_INC)/stb
	@touch -h $(LIB_INC)/stb

$(BUILD)/lib/hv/%.o: lib/%.c $(LIB_HDRS) $(LIB_INC)/stb/stb_sprintf.h
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) -fno-tree-loop-distribute-patterns $(LIB_FREE_INC) -c -o $@ $<

$(BUILD)/lib/guest/%.o: lib/%.c $(LIB_HDRS) $(LIB_INC)/stb/stb_sprintf.h
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -fno-tree-loop-distribute-patterns $(LIB_FREE_INC) -c -o $@ $<

$(BUILD)/lib/host/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

DEPS_PKGS += libstb-dev
