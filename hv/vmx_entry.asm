; hv/vmx_entry.asm — VM entry and the VM-exit landing point.
;
; int vmx_enter(struct guest_regs *regs /* rdi */, int launched /* esi */)
; saves the host's callee-saved registers, writes HOST_RSP to the current
; stack (so every exit lands on this frame), loads the guest registers the
; VMCS does not hold and executes VMLAUNCH or VMRESUME. A VM exit arrives
; at vmx_exit with RSP = HOST_RSP (SDM Vol. 3C §28.5.1: RIP and RSP come
; from the host-state area); the guest registers are stored back and
; vmx_enter returns 0. When the VM instruction itself fails it falls
; through: return 1 (VMfailInvalid, CF) or 2 (VMfailValid, ZF).
bits 64
section .text
global vmx_enter
global vmx_exit

VMCS_HOST_RSP equ 0x6C14

%define R_RAX 0
%define R_RBX 8
%define R_RCX 16
%define R_RDX 24
%define R_RSI 32
%define R_RDI 40
%define R_RBP 48
%define R_R8  56
%define R_R9  64
%define R_R10 72
%define R_R11 80
%define R_R12 88
%define R_R13 96
%define R_R14 104
%define R_R15 112

vmx_enter:
        push rbx
        push rbp
        push r12
        push r13
        push r14
        push r15
        push rdi                        ; [rsp] = regs, found again at exit
        mov rax, VMCS_HOST_RSP
        vmwrite rax, rsp
        jbe .fail                       ; CF or ZF: VMWRITE failed
        cmp esi, 0                      ; flags survive the MOVs below
        mov rax, [rdi + R_RAX]
        mov rbx, [rdi + R_RBX]
        mov rcx, [rdi + R_RCX]
        mov rdx, [rdi + R_RDX]
        mov rsi, [rdi + R_RSI]
        mov rbp, [rdi + R_RBP]
        mov r8,  [rdi + R_R8]
        mov r9,  [rdi + R_R9]
        mov r10, [rdi + R_R10]
        mov r11, [rdi + R_R11]
        mov r12, [rdi + R_R12]
        mov r13, [rdi + R_R13]
        mov r14, [rdi + R_R14]
        mov r15, [rdi + R_R15]
        mov rdi, [rdi + R_RDI]
        jne .resume
        vmlaunch
        jmp .fail
.resume:
        vmresume
.fail:
        mov eax, 1
        jc .out                         ; VMfailInvalid
        mov eax, 2                      ; VMfailValid
.out:
        add rsp, 8
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbp
        pop rbx
        ret

vmx_exit:
        push rdi                        ; guest rdi
        mov rdi, [rsp + 8]              ; regs
        mov [rdi + R_RAX], rax
        mov [rdi + R_RBX], rbx
        mov [rdi + R_RCX], rcx
        mov [rdi + R_RDX], rdx
        mov [rdi + R_RSI], rsi
        mov [rdi + R_RBP], rbp
        mov [rdi + R_R8],  r8
        mov [rdi + R_R9],  r9
        mov [rdi + R_R10], r10
        mov [rdi + R_R11], r11
        mov [rdi + R_R12], r12
        mov [rdi + R_R13], r13
        mov [rdi + R_R14], r14
        mov [rdi + R_R15], r15
        pop rax
        mov [rdi + R_RDI], rax
        xor eax, eax
        jmp .out_exit
.out_exit:
        add rsp, 8
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbp
        pop rbx
        ret
