; hv/ap_boot.asm — the real-mode trampoline a second CPU (AP) starts in.
;
; hv/smp.c copies [ap_tramp_start, ap_tramp_end) to SMP_TRAMPOLINE_PA
; (below 1 MiB, page aligned: a start-up IPI names the page, SDM Vol. 3A
; §8.4.4.1: CS = vector << 8, IP = 0) and fills the parameter block. The AP
; goes 16-bit → 32-bit protected mode (temporary GDT below) → 64-bit long
; mode on the hypervisor's own page tables (their root is below 4 GiB:
; CR3 is loaded in 32-bit mode), then calls the C entry on its own stack.
; Only the first AP to arrive takes the stack: any other halts at once
; (the start-up IPI goes to "all excluding self").
;
; Everything is addressed absolutely at the copy's location, so the code
; is assembled for TRAMP_PA; hv/smp.h checks SMP_TRAMPOLINE_PA matches.

%include "boot/longmode.inc"

TRAMP_PA        equ 0x8000              ; = SMP_TRAMPOLINE_PA (hv/smp.h)
%define T(x) (TRAMP_PA + (x) - ap_tramp_start)


SEL_CODE32      equ 0x08                ; the temporary GDT below
SEL_DATA        equ 0x10
SEL_CODE64      equ 0x18

section .rodata
global ap_tramp_start, ap_tramp_end, ap_tramp_params
align 16
bits 16
ap_tramp_start:
        cli
        cld
        xor ax, ax
        mov ds, ax
        mov ss, ax
        ; The first AP takes ticket 0; later ones stop here.
        mov ax, 1
        lock xadd [T(p_ticket)], ax
        test ax, ax
        jnz .extra
        lgdt [T(tgdt_ptr)]
        mov eax, cr0
        or eax, CR0_PE
        mov cr0, eax
        jmp dword SEL_CODE32:T(pm32)
.extra:
        cli
        hlt
        jmp .extra

bits 32
pm32:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr0
        and eax, ~(CR0_CD | CR0_NW)     ; as the BSP (boot/entry.asm)
        mov cr0, eax
        ENTER_LONG_MODE [T(p_cr3)]
        jmp SEL_CODE64:T(lm64)

bits 64
lm64:
        mov rsp, [T(p_stack)]
        mov rax, [T(p_entry)]
        xor ebp, ebp
        call rax                        ; smp_ap_entry never returns
.halt:
        cli
        hlt
        jmp .halt

align 8
tgdt:
        dq 0
        dq 0x00CF9A000000FFFF           ; 32-bit code, DPL 0, 4 GiB
        dq 0x00CF92000000FFFF           ; data, DPL 0, 4 GiB
        dq 0x00AF9A000000FFFF           ; 64-bit code, DPL 0
tgdt_ptr:
        dw tgdt_ptr - tgdt - 1
        dd T(tgdt)

; Parameter block (struct smp_tramp_params in hv/smp.c), filled by the BSP.
align 8
ap_tramp_params:
p_cr3:    dd 0
p_ticket: dw 0
          dw 0
p_stack:  dq 0
p_entry:  dq 0
ap_tramp_end:
