/*
 * pvm/prefix.c — the long/float/double forms of the instructions a type
 * prefix applies to (spec §3.3). Ordinary code shared by both dispatch
 * builds of the interpreter: it saves its state, calls pvm_prefixed() and
 * reloads (prefixed instructions are rare next to the int forms).
 *
 * A prefix is consumed by exactly the next instruction. A prefix that the
 * next instruction ignores is logged ("Unused type prefix", as the original
 * prints) and the instruction runs in its plain int form. Two prefixes in a
 * row are undefined in the spec; here the last one wins.
 */
#include "pvm/pvm_int.h"
#include "pvm/interp_int.h"

/* The arithmetic and comparisons of the float and double forms: the same
 * operators on operands l and u of either type, giving the value v or the
 * comparison result c (-1 when the op is arithmetic). */
#define FP_ARITH(kind)                                                  \
	switch (op) {                                                   \
	case OP_isum: v = l + u; break;                                 \
	case OP_imul: v = l * u; break;                                 \
	case OP_isubul: v = u - l; break;                               \
	case OP_isublu: v = l - u; break;                               \
	case OP_idivul: v = u / l; break;                               \
	case OP_idivlu: v = l / u; break;                               \
	case OP_ige: c = l >= u; v = 0; break;                          \
	case OP_ile: c = l <= u; v = 0; break;                          \
	case OP_igt: c = l > u; v = 0; break;                           \
	case OP_ilt: c = l < u; v = 0; break;                           \
	default: PANIC("invalid " kind " op 0x%x", op);                 \
	}

int pvm_prefixed(pvm_thread *t, int prefix, uint8_t *opp)
{
	struct pvm_vm *vm = t->vm;
	pvm_frame *fr = &t->fr[t->nfr - 1];
	const uint8_t *code = fr->m->code, *ip = code + fr->ip;
	int32_t *isp = t->is + t->isp, *ibase = t->is + fr->ibase, *ilim = t->is + t->icap;
	pvm_obj **sp = t->os + t->osp, **sbase = t->os + fr->obase;
	uint8_t op = 0;

#define SAVE() do { fr->ip = (uint32_t)(ip - code); t->osp = (uint32_t)(sp - t->os); \
		    t->isp = (uint32_t)(isp - t->is); } while (0)
#define PANIC(...) do { SAVE(); return pvm_panic(t, __VA_ARGS__); } while (0)
#define THROW(msg) do { SAVE(); return pvm_throw_str(t, msg); } while (0)
#define OOM() do { SAVE(); return pvm_oom(t); } while (0)
#define UNDERFLOW() PANIC("stack underflow (%s at ip %ld)", pvm_opinfo[op].name ? pvm_opinfo[op].name : "?", \
			  (long)(ip - code))
#define NEED_I(n) do { if (unlikely(isp - ibase < (long)(n))) UNDERFLOW(); } while (0)
#define ROOM_I(n) do { if (unlikely(ilim - isp < (long)(n))) { SAVE(); int _g = pvm_grow_is(t, (uint32_t)(n)); \
		if (_g) { return pvm_grow_failed(t, _g); } \
		isp = t->is + t->isp; ibase = t->is + fr->ibase; ilim = t->is + t->icap; } } while (0)
#define PUSH_O(x) do { pvm_obj *_x = (x); if (unlikely(sp == t->os + t->ocap)) { SAVE(); \
		int _g = pvm_grow_os(t, 1); \
		if (_g) { pvm_unref(vm, _x); return pvm_grow_failed(t, _g); } \
		sp = t->os + t->osp; } *sp++ = _x; } while (0)
#define POP_O(x) do { if (unlikely(sp == sbase)) UNDERFLOW(); (x) = *--sp; } while (0)
#define RD8() (*ip++)
#define RD32() (ip += 4, pvm_be32(ip - 4))
#define KEEP_REACH() do { if ((uint32_t)(isp - ibase) > fr->ireach) fr->ireach = (uint32_t)(isp - ibase); } while (0)
#define IN_REACH(pos, n, held) ((pos) >= 0 && (int64_t)(pos) + (n) <= \
		(int64_t)((uint32_t)(held) > fr->ireach ? (uint32_t)(held) : fr->ireach))
#define REACH() ((uint32_t)(isp - ibase) > fr->ireach ? (uint32_t)(isp - ibase) : fr->ireach)
#define WROTE_ABOVE(pos, n) do { if ((uint32_t)(pos) + (n) > fr->ireach) fr->ireach = (uint32_t)(pos) + (n); } while (0)


	op = *ip++;
	while (op == OP_prefix_long || op == OP_prefix_float || op == OP_prefix_double) {
		prefix = op == OP_prefix_long ? PVM_K_LONG : op == OP_prefix_float ? PVM_K_FLOAT : PVM_K_DOUBLE;
		op = *ip++;
	}
	const bool wide = prefix != PVM_K_FLOAT;
	const bool flt = prefix != PVM_K_LONG;
	ROOM_I(4);
	switch (op) {
	case OP_is_dup:
		if (!wide)
			goto plain;
		NEED_I(2);
		isp[0] = isp[-2];
		isp[1] = isp[-1];
		isp += 2;
		break;
	case OP_is_drop:
		if (!wide)
			goto plain;
		NEED_I(2);
		KEEP_REACH();
		isp -= 2;
		break;
	case OP_iconst_0:
	case OP_iconst_1:
	case OP_iconst_8bit:
	case OP_iconst_32bit: {
		if (!wide)
			goto plain;
		int64_t v = op == OP_iconst_0 ? 0 : op == OP_iconst_1 ? 1 :
			    op == OP_iconst_8bit ? (int64_t)RD8() : (int64_t)RD32();
		PUTL(isp, v);
		isp += 2;
		break;
	}
	case OP_is_get32: {
		if (!wide)
			goto plain;
		int32_t pos = RD32();
		if (!IN_REACH(pos, 2, isp - ibase))
			PANIC("is_get32: position %d outside the frame's %ld cells", pos, (long)REACH());
		isp[0] = ibase[pos];
		isp[1] = ibase[pos + 1];
		isp += 2;
		break;
	}
	case OP_is_set32: {
		if (!wide)
			goto plain;
		int32_t pos = RD32();
		NEED_I(2);
		if (!IN_REACH(pos, 2, isp - ibase))
			PANIC("is_set32: position %d outside the frame's %ld cells", pos, (long)REACH());
		isp -= 2;
		if ((int64_t)pos + 2 > isp - ibase)
			WROTE_ABOVE(pos, 2);
		ibase[pos] = isp[0];
		ibase[pos + 1] = isp[1];
		break;
	}
	case OP_i2o: {
		pvm_obj *o;
		NEED_I(wide ? 2 : 1);
		SAVE();
		if (prefix == PVM_K_LONG)
			o = pvm_new_long(vm, GETL(isp - 2));
		else if (prefix == PVM_K_DOUBLE)
			o = pvm_new_double(vm, l2d(GETL(isp - 2)));
		else
			o = pvm_new_float(vm, cell2f(isp[-1]));
		if (!o)
			OOM();
		isp -= wide ? 2 : 1;
		PUSH_O(o);
		break;
	}
	case OP_o2i: {
		pvm_obj *o;
		POP_O(o);
		if (!o)
			PANIC("o2i(null)");
		if (o->kind != prefix) {
			pvm_unref(vm, o);
			THROW("type assert failed");
		}
		if (prefix == PVM_K_LONG) {
			PUTL(isp, ((pvm_long *)o)->v);
			isp += 2;
		} else if (prefix == PVM_K_DOUBLE) {
			PUTL(isp, d2l(((pvm_double *)o)->v));
			isp += 2;
		} else {
			*isp++ = f2cell(((pvm_float *)o)->v);
		}
		pvm_unref(vm, o);
		break;
	}
	case OP_isum: case OP_imul: case OP_isubul: case OP_isublu:
	case OP_idivul: case OP_idivlu: case OP_iremul: case OP_iremlu:
	case OP_ige: case OP_ile: case OP_igt: case OP_ilt:
		if (prefix == PVM_K_FLOAT) {
			NEED_I(2);
			float l = cell2f(isp[-2]), u = cell2f(isp[-1]), v;
			int c = -1;
			FP_ARITH("float");
			isp--;
			isp[-1] = c >= 0 ? c : f2cell(v);
		} else if (prefix == PVM_K_DOUBLE) {
			NEED_I(4);
			double l = l2d(GETL(isp - 4)), u = l2d(GETL(isp - 2)), v;
			int c = -1;
			FP_ARITH("double");
			if (c >= 0) {
				isp -= 3;
				isp[-1] = c;
			} else {
				isp -= 2;
				PUTL(isp - 2, d2l(v));
			}
		} else {
			NEED_I(4);
			int64_t l = GETL(isp - 4), u = GETL(isp - 2), v = 0, a = l, b = u;
			int c = -1;
			switch (op) {
			case OP_isum: v = (int64_t)((uint64_t)l + (uint64_t)u); break;
			case OP_imul: v = (int64_t)((uint64_t)l * (uint64_t)u); break;
			case OP_isubul: v = (int64_t)((uint64_t)u - (uint64_t)l); break;
			case OP_isublu: v = (int64_t)((uint64_t)l - (uint64_t)u); break;
			case OP_idivul: case OP_iremul: a = u; b = l; /* fall through */
			case OP_idivlu: case OP_iremlu:
				if (b == 0)
					THROW("division by zero");
				if (b == -1 && a == INT64_MIN && op != OP_iremul && op != OP_iremlu)
					THROW("integer overflow in division");
				if (b == -1)
					v = (op == OP_iremul || op == OP_iremlu) ? 0 : -a;
				else
					v = (op == OP_iremul || op == OP_iremlu) ? a % b : a / b;
				break;
			case OP_ige: c = l >= u; break;
			case OP_ile: c = l <= u; break;
			case OP_igt: c = l > u; break;
			case OP_ilt: c = l < u; break;
			}
			if (c >= 0) {
				isp -= 3;
				isp[-1] = c;
			} else {
				isp -= 2;
				PUTL(isp - 2, v);
			}
		}
		break;
	case OP_ior: case OP_iand: case OP_ixor:
	case OP_log_or: case OP_log_and: case OP_log_xor: {
		if (flt)
			PANIC("invalid %s op 0x%x", prefix == PVM_K_FLOAT ? "float" : "double", op);
		NEED_I(4);
		int64_t l = GETL(isp - 4), u = GETL(isp - 2), v;
		switch (op) {
		case OP_ior: v = l | u; break;
		case OP_iand: v = l & u; break;
		case OP_ixor: v = l ^ u; break;
		case OP_log_or: v = l || u; break;
		case OP_log_and: v = l && u; break;
		default: v = !l != !u; break;
		}
		isp -= 2;
		PUTL(isp - 2, v);
		break;
	}
	case OP_inot: case OP_log_not: {
		if (flt)
			PANIC("invalid %s op 0x%x", prefix == PVM_K_FLOAT ? "float" : "double", op);
		NEED_I(2);
		int64_t v = GETL(isp - 2);
		PUTL(isp - 2, op == OP_inot ? ~v : (int64_t)!v);
		break;
	}
	case OP_ishl: case OP_ishr: case OP_ushr: {
		if (flt)
			PANIC("invalid %s op 0x%x", prefix == PVM_K_FLOAT ? "float" : "double", op);
		/* value = long on top, count = the int cell below (spec §3.3) */
		NEED_I(3);
		int64_t v = GETL(isp - 2);
		int c = isp[-3] & 63;
		int64_t res = op == OP_ishl ? (int64_t)((uint64_t)v << c) :
			      op == OP_ishr ? v >> c : (int64_t)((uint64_t)v >> c);
		isp--;
		PUTL(isp - 2, res);
		break;
	}
	case OP_fromi: {
		NEED_I(1);
		int32_t v = isp[-1];
		if (prefix == PVM_K_LONG) {
			PUTL(isp - 1, (int64_t)v);
			isp++;
		} else if (prefix == PVM_K_DOUBLE) {
			PUTL(isp - 1, d2l((double)v));
			isp++;
		} else {
			isp[-1] = f2cell((float)v);
		}
		break;
	}
	case OP_froml: {
		NEED_I(2);
		int64_t v = GETL(isp - 2);
		if (prefix == PVM_K_DOUBLE) {
			PUTL(isp - 2, d2l((double)v));
		} else if (prefix == PVM_K_FLOAT) {
			isp--;
			isp[-1] = f2cell((float)v);
		}
		break;
	}
	case OP_fromf: {
		NEED_I(1);
		float v = cell2f(isp[-1]);
		if (prefix == PVM_K_LONG) {
			PUTL(isp - 1, pvm_d2i64(v));
			isp++;
		} else if (prefix == PVM_K_DOUBLE) {
			PUTL(isp - 1, d2l((double)v));
			isp++;
		}
		break;
	}
	case OP_fromd: {
		NEED_I(2);
		double v = l2d(GETL(isp - 2));
		if (prefix == PVM_K_LONG) {
			PUTL(isp - 2, pvm_d2i64(v));
		} else if (prefix == PVM_K_FLOAT) {
			isp--;
			isp[-1] = f2cell((float)v);
		}
		break;
	}
	default:
	plain:
		pvm_log(vm, "Unused type prefix on op code 0x%x\n", op);
		SAVE();
		*opp = op;
		return PVM_PREFIX_PLAIN;
	}
	SAVE();
	return 0;
}
