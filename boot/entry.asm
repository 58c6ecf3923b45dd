; boot/entry.asm — multiboot2 header and the 32-bit → 64-bit entry of hv.elf.
;
; GRUB enters `_start` in 32-bit protected mode, paging off, with
;   EAX = 0x36D76289 (multiboot2 bootloader magic), EBX = physical address
;   of the multiboot2 information structure (Multiboot2 spec 1.0, §3.3).
; We clear CR0.CD/NW (GRUB under Bochs hands over with caching disabled,
; which would make everything uncached on real hardware), build identity
; page tables for the low 4 GiB with 2 MiB pages, enable PAE + long mode +
; paging, load a 64-bit GDT and call hv_main(magic, mbi) in C.
;
; Physical memory map of the hypervisor image (see boot/hv.ld):
;
;   0x00000000 +------------------------+
;              | BIOS, real-mode IVT    |  untouched
;   0x00100000 +------------------------+  hv.elf load address (1 MiB)
;              | .multiboot .text .data |
;              | .bss: page tables,     |
;              |       boot stack       |
;   _end       +------------------------+
;              | GRUB modules, MBI      |  wherever GRUB put them
;              | free RAM (memory map)  |
;   4 GiB      +------------------------+  end of the identity map

%include "boot/longmode.inc"

MB2_MAGIC       equ 0xE85250D6          ; Multiboot2 spec §3.1.1
MB2_ARCH_I386   equ 0                   ; 32-bit protected mode entry
MB2_LOADER_MAGIC equ 0x36D76289

PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7              ; 2 MiB page in a PD entry

BOOT_STACK_SIZE equ 64 * 1024

section .multiboot
align 8
mb2_header:
        dd MB2_MAGIC
        dd MB2_ARCH_I386
        dd mb2_header_end - mb2_header
        dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        ; end tag (type 0, flags 0, size 8)
        dw 0, 0
        dd 8
mb2_header_end:

section .text
bits 32
global _start
extern hv_main
_start:
        cli
        cld
        mov esp, boot_stack_top
        mov edi, eax                    ; keep magic and MBI for hv_main
        mov esi, ebx

        mov eax, cr0
        and eax, ~(CR0_CD | CR0_NW)
        mov cr0, eax
        wbinvd

        ; PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; each PD maps 1 GiB.
        mov eax, pdpt
        or eax, PTE_P | PTE_W
        mov [pml4], eax
        mov ecx, 0
.pdpt:
        mov eax, ecx
        shl eax, 12
        add eax, pd
        or eax, PTE_P | PTE_W
        mov [pdpt + ecx * 8], eax
        inc ecx
        cmp ecx, 4
        jb .pdpt
        mov ecx, 0                      ; 2048 entries x 2 MiB = 4 GiB
.pd:
        mov eax, ecx
        shl eax, 21
        or eax, PTE_P | PTE_W | PTE_PS
        mov [pd + ecx * 8], eax
        mov eax, ecx
        shr eax, 11                     ; high dword: bits 32+ of the address
        mov [pd + ecx * 8 + 4], eax
        inc ecx
        cmp ecx, 2048
        jb .pd

        ENTER_LONG_MODE pml4

        lgdt [gdt64_ptr]
        jmp GDT_CODE:long_entry

bits 64
long_entry:
        mov ax, GDT_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        mov rsp, boot_stack_top
        ; hv_main(uint32_t magic, uint32_t mbi): EDI, ESI already hold them,
        ; zero-extended by the 32-bit moves above.
        call hv_main
.halt:
        cli
        hlt
        jmp .halt

section .data
align 16
gdt64:
        dq 0
        dq 0x00AF9A000000FFFF           ; 64-bit code, DPL 0
        dq 0x00CF92000000FFFF           ; data, DPL 0
gdt64_end:
GDT_CODE equ 0x08
GDT_DATA equ 0x10
gdt64_ptr:
        dw gdt64_end - gdt64 - 1
        dq gdt64

section .bss
align 4096
pml4:   resb 4096
pdpt:   resb 4096
pd:     resb 4 * 4096
align 16
boot_stack:
        resb BOOT_STACK_SIZE
boot_stack_top:
