/*
 * pvm/ops.c — the opcode table for tools, generated from pvm/opcodes.h.
 */
#include "pvm/pvm_int.h"
#include "pvm/opcodes.h"

const struct pvm_opinfo pvm_opinfo[256] = {
#define X(name, byte, opk, impl) [byte] = { #name, opk, impl },
	PVM_OPCODE_LIST(X)
#undef X
	[0xA0] = { "call_00", PVM_OPK_U8, 1 },
	[0xA1] = { "call_01", PVM_OPK_U8, 1 },
	[0xA2] = { "call_02", PVM_OPK_U8, 1 },
	[0xA3] = { "call_03", PVM_OPK_U8, 1 },
	[0xA4] = { "call_04", PVM_OPK_U8, 1 },
	[0xA5] = { "call_05", PVM_OPK_U8, 1 },
	[0xA6] = { "call_06", PVM_OPK_U8, 1 },
	[0xA7] = { "call_07", PVM_OPK_U8, 1 },
	[0xA8] = { "call_08", PVM_OPK_U8, 1 },
	[0xA9] = { "call_09", PVM_OPK_U8, 1 },
	[0xAA] = { "call_0A", PVM_OPK_U8, 1 },
	[0xAB] = { "call_0B", PVM_OPK_U8, 1 },
	[0xAC] = { "call_0C", PVM_OPK_U8, 1 },
	[0xAD] = { "call_0D", PVM_OPK_U8, 1 },
	[0xAE] = { "call_0E", PVM_OPK_U8, 1 },
	[0xAF] = { "call_0F", PVM_OPK_U8, 1 },
	[0xB0] = { "call_10", PVM_OPK_U8, 1 },
	[0xB1] = { "call_11", PVM_OPK_U8, 1 },
	[0xB2] = { "call_12", PVM_OPK_U8, 1 },
	[0xB3] = { "call_13", PVM_OPK_U8, 1 },
	[0xB4] = { "call_14", PVM_OPK_U8, 1 },
	[0xB5] = { "call_15", PVM_OPK_U8, 1 },
	[0xB6] = { "call_16", PVM_OPK_U8, 1 },
	[0xB7] = { "call_17", PVM_OPK_U8, 1 },
	[0xB8] = { "call_18", PVM_OPK_U8, 1 },
	[0xB9] = { "call_19", PVM_OPK_U8, 1 },
	[0xBA] = { "call_1A", PVM_OPK_U8, 1 },
	[0xBB] = { "call_1B", PVM_OPK_U8, 1 },
	[0xBC] = { "call_1C", PVM_OPK_U8, 1 },
	[0xBD] = { "call_1D", PVM_OPK_U8, 1 },
	[0xBE] = { "call_1E", PVM_OPK_U8, 1 },
	[0xBF] = { "call_1F", PVM_OPK_U8, 1 },
};

int pvm_opcode_by_name(const char *name, size_t len)
{
	for (int b = 0; b < 256; b++) {
		const char *n = pvm_opinfo[b].name;
		if (n && pvm_strlen(n) == len && !pvm_memcmp(n, name, len))
			return b;
	}
	return -1;
}

long pvm_insn_len(const uint8_t *code, size_t len, size_t ip)
{
	if (ip >= len || !pvm_opinfo[code[ip]].name)
		return PVM_EFORMAT;
	size_t left = len - ip - 1, need;
	const uint8_t *p = code + ip + 1;
	switch (pvm_opinfo[code[ip]].opk) {
	case PVM_OPK_NONE: need = 0; break;
	case PVM_OPK_U8: need = 1; break;
	case PVM_OPK_U8U8: need = 2; break;
	case PVM_OPK_I32: case PVM_OPK_REL: need = 4; break;
	case PVM_OPK_I64: case PVM_OPK_I32I32: need = 8; break;
	case PVM_OPK_U8I32: need = 5; break;
	case PVM_OPK_STR: {
		if (left < 4)
			return PVM_EFORMAT;
		int32_t n = pvm_be32(p);
		if (n < 0 || (size_t)n > left - 4)
			return PVM_EFORMAT;
		need = 4 + (size_t)n;
		break;
	}
	case PVM_OPK_DEBUG: {
		if (left < 1)
			return PVM_EFORMAT;
		need = 1;
		if (p[0] & 0x80) {
			if (left < 5)
				return PVM_EFORMAT;
			int32_t n = pvm_be32(p + 1);
			if (n < 0 || (size_t)n > left - 5)
				return PVM_EFORMAT;
			need = 5 + (size_t)n;
		}
		break;
	}
	case PVM_OPK_SWITCH: {
		if (left < 12)
			return PVM_EFORMAT;
		int32_t n = pvm_be32(p);
		if (n < 0 || (size_t)n > (left - 12) / 4)
			return PVM_EFORMAT;
		need = 12 + 4 * (size_t)n;
		break;
	}
	default:
		return PVM_EFORMAT;
	}
	if (need > left)
		return PVM_EFORMAT;
	return (long)(need + 1);
}
