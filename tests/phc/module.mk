# tests/phc — the Phantom-language compiler (tools/phc).
#   library.sh   the original library compiles; regression tests and boot path run (~1 s)
#   features.sh  one program per language feature, run on pvm-run (~1 s)
#   errors.sh    one source per diagnostic, exact messages (~1 s)
#   examples.sh  examples/*.ph compile and run (~1 s)
#   fuzz-short.sh  10 s of libFuzzer in `make test`; fuzz.sh in `make fuzz`
#   bench.sh     loop, fib, string building: phc on pvm-run vs Lua 5.4
UNIT_TESTS += tests/phc/library.sh tests/phc/features.sh tests/phc/errors.sh tests/phc/examples.sh

PHC_FUZZ_CC := $(shell command -v clang 2>/dev/null)
$(BUILD)/tests/phc/fuzz_phc: tests/phc/fuzz_phc.c $(PHC_SRCS) $(PHC_HDRS)
	@mkdir -p $(dir $@)
	$(PHC_FUZZ_CC) -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. -DPHC_NO_MAIN \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		tests/phc/fuzz_phc.c $(PHC_SRCS) -o $@
ifneq ($(PHC_FUZZ_CC),)
HOST_TOOLS += $(BUILD)/tests/phc/fuzz_phc
endif
UNIT_TESTS += tests/phc/fuzz-short.sh
FUZZERS    += tests/phc/fuzz.sh

BENCHES    += tests/phc/bench.sh
