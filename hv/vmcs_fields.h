/*
 * hv/vmcs_fields.h — VMCS field encodings, grouped by area, as one X-macro
 * table (SDM Vol. 3D, Appendix B "Field Encoding in VMCS", edition 084).
 *
 * Encoding bits (SDM Vol. 3C §25.11.2, Table 25-21):
 *   0      access type (1 = high 32 bits of a 64-bit field)
 *   9:1    index
 *   11:10  type: 0 control, 1 VM-exit information (read-only), 2 guest, 3 host
 *   14:13  width: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width
 * The accessors in vmcs.h decode the width from bits 14:13 at build time.
 * ORDER: grouped by width then area, as Appendix B lists them.
 */
#ifndef AMBER_HV_VMCS_FIELDS_H
#define AMBER_HV_VMCS_FIELDS_H

#define VMCS_FIELDS(X) \
	/* B.1.1 16-bit control */ \
	X(CTRL_VPID,                0x0000) \
	/* B.1.2 16-bit guest state */ \
	X(GUEST_ES_SEL,             0x0800) \
	X(GUEST_CS_SEL,             0x0802) \
	X(GUEST_SS_SEL,             0x0804) \
	X(GUEST_DS_SEL,             0x0806) \
	X(GUEST_FS_SEL,             0x0808) \
	X(GUEST_GS_SEL,             0x080A) \
	X(GUEST_LDTR_SEL,           0x080C) \
	X(GUEST_TR_SEL,             0x080E) \
	X(GUEST_PML_INDEX,          0x0812) \
	/* B.1.3 16-bit host state */ \
	X(HOST_ES_SEL,              0x0C00) \
	X(HOST_CS_SEL,              0x0C02) \
	X(HOST_SS_SEL,              0x0C04) \
	X(HOST_DS_SEL,              0x0C06) \
	X(HOST_FS_SEL,              0x0C08) \
	X(HOST_GS_SEL,              0x0C0A) \
	X(HOST_TR_SEL,              0x0C0C) \
	/* B.2.1 64-bit control */ \
	X(CTRL_IO_BITMAP_A,         0x2000) \
	X(CTRL_IO_BITMAP_B,         0x2002) \
	X(CTRL_MSR_BITMAP,          0x2004) \
	X(CTRL_EXIT_MSR_STORE,      0x2006) \
	X(CTRL_EXIT_MSR_LOAD,       0x2008) \
	X(CTRL_ENTRY_MSR_LOAD,      0x200A) \
	X(CTRL_PML_ADDRESS,         0x200E) \
	X(CTRL_TSC_OFFSET,          0x2010) \
	X(CTRL_EPTP,                0x201A) \
	/* B.2.2 64-bit read-only data */ \
	X(INFO_GUEST_PHYSICAL_ADDR, 0x2400) \
	/* B.2.3 64-bit guest state */ \
	X(GUEST_VMCS_LINK,          0x2800) \
	X(GUEST_DEBUGCTL,           0x2802) \
	X(GUEST_PAT,                0x2804) \
	X(GUEST_EFER,               0x2806) \
	/* B.2.4 64-bit host state */ \
	X(HOST_PAT,                 0x2C00) \
	X(HOST_EFER,                0x2C02) \
	/* B.3.1 32-bit control */ \
	X(CTRL_PIN,                 0x4000) \
	X(CTRL_PROC,                0x4002) \
	X(CTRL_EXCEPTION_BITMAP,    0x4004) \
	X(CTRL_PF_MASK,             0x4006) \
	X(CTRL_PF_MATCH,            0x4008) \
	X(CTRL_CR3_TARGET_COUNT,    0x400A) \
	X(CTRL_EXIT,                0x400C) \
	X(CTRL_EXIT_MSR_STORE_COUNT,0x400E) \
	X(CTRL_EXIT_MSR_LOAD_COUNT, 0x4010) \
	X(CTRL_ENTRY,               0x4012) \
	X(CTRL_ENTRY_MSR_LOAD_COUNT,0x4014) \
	X(CTRL_ENTRY_INTR_INFO,     0x4016) \
	X(CTRL_ENTRY_EXC_ERRCODE,   0x4018) \
	X(CTRL_ENTRY_INSTR_LEN,     0x401A) \
	X(CTRL_TPR_THRESHOLD,       0x401C) \
	X(CTRL_PROC2,               0x401E) \
	/* B.3.2 32-bit read-only data */ \
	X(INFO_VM_INSTR_ERROR,      0x4400) \
	X(INFO_EXIT_REASON,         0x4402) \
	X(INFO_EXIT_INTR_INFO,      0x4404) \
	X(INFO_EXIT_INTR_ERRCODE,   0x4406) \
	X(INFO_IDT_VECTORING_INFO,  0x4408) \
	X(INFO_IDT_VECTORING_ERRCODE,0x440A) \
	X(INFO_EXIT_INSTR_LEN,      0x440C) \
	X(INFO_EXIT_INSTR_INFO,     0x440E) \
	/* B.3.3 32-bit guest state */ \
	X(GUEST_ES_LIMIT,           0x4800) \
	X(GUEST_CS_LIMIT,           0x4802) \
	X(GUEST_SS_LIMIT,           0x4804) \
	X(GUEST_DS_LIMIT,           0x4806) \
	X(GUEST_FS_LIMIT,           0x4808) \
	X(GUEST_GS_LIMIT,           0x480A) \
	X(GUEST_LDTR_LIMIT,         0x480C) \
	X(GUEST_TR_LIMIT,           0x480E) \
	X(GUEST_GDTR_LIMIT,         0x4810) \
	X(GUEST_IDTR_LIMIT,         0x4812) \
	X(GUEST_ES_AR,              0x4814) \
	X(GUEST_CS_AR,              0x4816) \
	X(GUEST_SS_AR,              0x4818) \
	X(GUEST_DS_AR,              0x481A) \
	X(GUEST_FS_AR,              0x481C) \
	X(GUEST_GS_AR,              0x481E) \
	X(GUEST_LDTR_AR,            0x4820) \
	X(GUEST_TR_AR,              0x4822) \
	X(GUEST_INTERRUPTIBILITY,   0x4824) \
	X(GUEST_ACTIVITY,           0x4826) \
	X(GUEST_SYSENTER_CS,        0x482A) \
	X(GUEST_PREEMPT_TIMER,      0x482E) \
	/* B.3.4 32-bit host state */ \
	X(HOST_SYSENTER_CS,         0x4C00) \
	/* B.4.1 natural-width control */ \
	X(CTRL_CR0_MASK,            0x6000) \
	X(CTRL_CR4_MASK,            0x6002) \
	X(CTRL_CR0_SHADOW,          0x6004) \
	X(CTRL_CR4_SHADOW,          0x6006) \
	/* B.4.2 natural-width read-only data */ \
	X(INFO_EXIT_QUALIFICATION,  0x6400) \
	X(INFO_GUEST_LINEAR_ADDR,   0x640A) \
	/* B.4.3 natural-width guest state */ \
	X(GUEST_CR0,                0x6800) \
	X(GUEST_CR3,                0x6802) \
	X(GUEST_CR4,                0x6804) \
	X(GUEST_ES_BASE,            0x6806) \
	X(GUEST_CS_BASE,            0x6808) \
	X(GUEST_SS_BASE,            0x680A) \
	X(GUEST_DS_BASE,            0x680C) \
	X(GUEST_FS_BASE,            0x680E) \
	X(GUEST_GS_BASE,            0x6810) \
	X(GUEST_LDTR_BASE,          0x6812) \
	X(GUEST_TR_BASE,            0x6814) \
	X(GUEST_GDTR_BASE,          0x6816) \
	X(GUEST_IDTR_BASE,          0x6818) \
	X(GUEST_DR7,                0x681A) \
	X(GUEST_RSP,                0x681C) \
	X(GUEST_RIP,                0x681E) \
	X(GUEST_RFLAGS,             0x6820) \
	X(GUEST_PENDING_DBG,        0x6822) \
	X(GUEST_SYSENTER_ESP,       0x6824) \
	X(GUEST_SYSENTER_EIP,       0x6826) \
	/* B.4.4 natural-width host state */ \
	X(HOST_CR0,                 0x6C00) \
	X(HOST_CR3,                 0x6C02) \
	X(HOST_CR4,                 0x6C04) \
	X(HOST_FS_BASE,             0x6C06) \
	X(HOST_GS_BASE,             0x6C08) \
	X(HOST_TR_BASE,             0x6C0A) \
	X(HOST_GDTR_BASE,           0x6C0C) \
	X(HOST_IDTR_BASE,           0x6C0E) \
	X(HOST_SYSENTER_ESP,        0x6C10) \
	X(HOST_SYSENTER_EIP,        0x6C12) \
	X(HOST_RSP,                 0x6C14) \
	X(HOST_RIP,                 0x6C16)

#define VMCS_ENUM(name, enc) VMCS_##name = enc,
enum vmcs_field { VMCS_FIELDS(VMCS_ENUM) };
#undef VMCS_ENUM

#endif
