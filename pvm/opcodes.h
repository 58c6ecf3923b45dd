/*
 * pvm/opcodes.h — the one list of PVM opcodes (spec §3.2).
 *
 * X(name, byte, operands, implemented)
 *   operands: how the bytes after the opcode are laid out (enum pvm_opk);
 *   implemented: 0 for opcodes the original defines but never implemented
 *   and that we keep unimplemented (executing them is a panic, as in the
 *   original). iremul/iremlu are 1: we implement them per spec §9.2.
 *
 * ORDER OP: the interpreter, pvm-dis and pvm-as are all generated from this
 * list; keep it sorted by byte so a reader can find an opcode by value.
 * Byte values not listed are undefined and panic ("unknown opcode").
 * The call_00..call_1F block (0xA0..0xBF) is listed by PVM_CALLN_LIST.
 */
#ifndef PVM_OPCODES_H
#define PVM_OPCODES_H

#define PVM_OPCODE_LIST(X) \
	X(nop,                  0x00, PVM_OPK_NONE,   1) \
	X(debug,                0x01, PVM_OPK_DEBUG,  1) \
	X(djnz,                 0x04, PVM_OPK_REL,    1) \
	X(jz,                   0x05, PVM_OPK_REL,    1) \
	X(jmp,                  0x06, PVM_OPK_REL,    1) \
	X(switch,               0x07, PVM_OPK_SWITCH, 1) \
	X(ret,                  0x08, PVM_OPK_NONE,   1) \
	X(short_call_0,         0x09, PVM_OPK_NONE,   1) \
	X(short_call_1,         0x0A, PVM_OPK_NONE,   1) \
	X(short_call_2,         0x0B, PVM_OPK_NONE,   1) \
	X(short_call_3,         0x0C, PVM_OPK_NONE,   1) \
	X(call_8bit,            0x0D, PVM_OPK_U8I32,  1) \
	X(call_32bit,           0x0E, PVM_OPK_I32I32, 1) \
	X(sys_8bit,             0x0F, PVM_OPK_U8,     1) \
	X(is_dup,               0x10, PVM_OPK_NONE,   1) \
	X(is_drop,              0x11, PVM_OPK_NONE,   1) \
	X(os_dup,               0x12, PVM_OPK_NONE,   1) \
	X(os_drop,              0x13, PVM_OPK_NONE,   1) \
	X(os_load8,             0x14, PVM_OPK_U8,     1) \
	X(os_save8,             0x15, PVM_OPK_U8,     1) \
	X(os_load32,            0x16, PVM_OPK_I32,    1) \
	X(os_save32,            0x17, PVM_OPK_I32,    1) \
	X(new,                  0x18, PVM_OPK_NONE,   1) \
	X(copy,                 0x19, PVM_OPK_NONE,   0) \
	X(os_compose32,         0x1A, PVM_OPK_I32,    0) \
	X(os_decompose,         0x1B, PVM_OPK_NONE,   0) \
	X(os_pull32,            0x1C, PVM_OPK_I32,    1) \
	X(os_get32,             0x1E, PVM_OPK_I32,    1) \
	X(os_set32,             0x1F, PVM_OPK_I32,    1) \
	X(iconst_0,             0x20, PVM_OPK_NONE,   1) \
	X(iconst_1,             0x21, PVM_OPK_NONE,   1) \
	X(iconst_8bit,          0x22, PVM_OPK_U8,     1) \
	X(iconst_32bit,         0x23, PVM_OPK_I32,    1) \
	X(sconst_bin,           0x24, PVM_OPK_STR,    1) \
	X(iconst_64bit,         0x25, PVM_OPK_I64,    1) \
	X(is_get32,             0x26, PVM_OPK_I32,    1) \
	X(is_set32,             0x27, PVM_OPK_I32,    1) \
	X(const_pool,           0x28, PVM_OPK_I32,    1) \
	X(stack_reserve,        0x29, PVM_OPK_U8U8,   1) \
	X(cast,                 0x2B, PVM_OPK_NONE,   1) \
	X(push_catcher,         0x2D, PVM_OPK_REL,    1) \
	X(pop_catcher,          0x2E, PVM_OPK_NONE,   1) \
	X(throw,                0x2F, PVM_OPK_NONE,   1) \
	X(summon_thread,        0x30, PVM_OPK_NONE,   1) \
	X(summon_this,          0x31, PVM_OPK_NONE,   1) \
	X(summon_null,          0x37, PVM_OPK_NONE,   1) \
	X(summon_class_class,   0x38, PVM_OPK_NONE,   1) \
	X(summon_int_class,     0x39, PVM_OPK_NONE,   1) \
	X(summon_string_class,  0x3A, PVM_OPK_NONE,   1) \
	X(summon_interface_class, 0x3B, PVM_OPK_NONE, 1) \
	X(summon_code_class,    0x3C, PVM_OPK_NONE,   1) \
	X(summon_array_class,   0x3D, PVM_OPK_NONE,   1) \
	X(summon_by_name,       0x3F, PVM_OPK_STR,    1) \
	X(i2o,                  0x40, PVM_OPK_NONE,   1) \
	X(o2i,                  0x41, PVM_OPK_NONE,   1) \
	X(isum,                 0x42, PVM_OPK_NONE,   1) \
	X(imul,                 0x43, PVM_OPK_NONE,   1) \
	X(isubul,               0x44, PVM_OPK_NONE,   1) \
	X(isublu,               0x45, PVM_OPK_NONE,   1) \
	X(idivul,               0x46, PVM_OPK_NONE,   1) \
	X(idivlu,               0x47, PVM_OPK_NONE,   1) \
	X(ior,                  0x48, PVM_OPK_NONE,   1) \
	X(iand,                 0x49, PVM_OPK_NONE,   1) \
	X(ixor,                 0x4A, PVM_OPK_NONE,   1) \
	X(inot,                 0x4B, PVM_OPK_NONE,   1) \
	X(log_or,               0x4C, PVM_OPK_NONE,   1) \
	X(log_and,              0x4D, PVM_OPK_NONE,   1) \
	X(log_xor,              0x4E, PVM_OPK_NONE,   1) \
	X(log_not,              0x4F, PVM_OPK_NONE,   1) \
	X(is_load8,             0x50, PVM_OPK_U8,     1) \
	X(is_save8,             0x51, PVM_OPK_U8,     1) \
	X(ige,                  0x52, PVM_OPK_NONE,   1) \
	X(ile,                  0x53, PVM_OPK_NONE,   1) \
	X(igt,                  0x54, PVM_OPK_NONE,   1) \
	X(ilt,                  0x55, PVM_OPK_NONE,   1) \
	X(iremul,               0x56, PVM_OPK_NONE,   1) \
	X(iremlu,               0x57, PVM_OPK_NONE,   1) \
	X(os_eq,                0x58, PVM_OPK_NONE,   1) \
	X(os_neq,               0x59, PVM_OPK_NONE,   1) \
	X(os_isnull,            0x5A, PVM_OPK_NONE,   1) \
	X(prefix_long,          0x5C, PVM_OPK_NONE,   1) \
	X(prefix_float,         0x5D, PVM_OPK_NONE,   1) \
	X(prefix_double,        0x5E, PVM_OPK_NONE,   1) \
	X(general_lock,         0x62, PVM_OPK_NONE,   1) \
	X(general_unlock,       0x63, PVM_OPK_NONE,   1) \
	X(static_invoke,        0x6E, PVM_OPK_I32I32, 1) \
	X(dynamic_invoke,       0x6F, PVM_OPK_NONE,   1) \
	X(ishl,                 0x70, PVM_OPK_NONE,   1) \
	X(ishr,                 0x71, PVM_OPK_NONE,   1) \
	X(ushr,                 0x72, PVM_OPK_NONE,   1) \
	X(arg_count,            0x73, PVM_OPK_U8,     1) \
	X(fromi,                0x74, PVM_OPK_NONE,   1) \
	X(froml,                0x75, PVM_OPK_NONE,   1) \
	X(fromf,                0x76, PVM_OPK_NONE,   1) \
	X(fromd,                0x77, PVM_OPK_NONE,   1)

/* call_00..call_1F: ordinal = byte - 0xA0, one u8 operand (nargs). */
#define PVM_OP_CALLN_FIRST 0xA0
#define PVM_OP_CALLN_LAST  0xBF

#endif
