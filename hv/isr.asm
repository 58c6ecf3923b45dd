; hv/isr.asm — host exception entry points (vectors 0-31) for hv/idt.c.
; Each stub pushes a zero error code when the CPU does not push one (SDM
; Vol. 3A §7.15, Table 7-1), then the vector, saves the general registers
; and calls idt_exception(struct isr_frame *), which reports and stops.
; The NMI stub returns at once.
bits 64
section .text
extern idt_exception
global isr_table
global isr_nmi

%macro ISR_NOERR 1
isr_%1:
        push 0
        push %1
        jmp isr_common
%endmacro
%macro ISR_ERR 1
isr_%1:
        push %1
        jmp isr_common
%endmacro

isr_nmi:
        iretq

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

isr_common:
        push rax
        push rbx
        push rcx
        push rdx
        push rsi
        push rdi
        push rbp
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        mov rdi, rsp
        and rsp, -16
        call idt_exception      ; does not return
.stop:
        cli
        hlt
        jmp .stop

section .rodata
align 8
isr_table:
%assign i 0
%rep 32
        dq isr_ %+ i
%assign i i+1
%endrep
