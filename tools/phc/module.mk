# tools/phc — the Phantom-language compiler (see tools/phc/README.md).
PHC_SRCS := tools/phc/main.c tools/phc/lex.c tools/phc/parse.c tools/phc/classes.c \
            tools/phc/pexpr.c tools/phc/pstmt.c tools/phc/code.c tools/phc/expr.c \
            tools/phc/gen.c tools/phc/emit.c
PHC_HDRS := tools/phc/phc.h tools/phc/parse.h tools/phc/gen.h

$(BUILD)/tools/phc: $(PHC_SRCS) $(PHC_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(PHC_SRCS) -o $@

HOST_TOOLS += $(BUILD)/tools/phc
