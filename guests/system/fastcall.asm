;! build out=fastcall.bin arch=x86_32 format=bin
; fastcall: the fast system-call instructions, round trips from ring 3.
;   sysenter/sysexit in 32-bit protected mode: CS/SS from SYSENTER_CS
;     (+8, +16, +24 on the way back, RPL 3), ESP and EIP from the MSRs and
;     from ECX/EDX on return, IF cleared on entry
;   syscall/sysret in 64-bit mode: CS/SS from STAR, RIP from LSTAR, the
;     return RIP in RCX and RFLAGS in R11, RFLAGS masked by SFMASK, RSP
;     untouched; sysret back to the 64-bit user segments
;   syscall with EFER.SCE clear: #UD
%include "bare.inc"
%include "paging.inc"
%include "idt64.inc"

%define MSR_SYSENTER_CS  0x174
%define MSR_SYSENTER_ESP 0x175
%define MSR_SYSENTER_EIP 0x176
%define MSR_STAR   0xc0000081
%define MSR_LSTAR  0xc0000082
%define MSR_SFMASK 0xc0000084
%define SE_STACK_TOP (se_stack + 4096)
%define USER_MARK_ESP (user_stack_top - 256)

%macro WRMSR 3      ; msr, high, low
    mov ecx, %1
    mov edx, %2
    mov eax, %3
    wrmsr
%endmacro

test_main:
    SAY "sysenter/sysexit"
    WRMSR MSR_SYSENTER_CS, 0, SE_KCODE
    WRMSR MSR_SYSENTER_ESP, 0, SE_STACK_TOP
    WRMSR MSR_SYSENTER_EIP, 0, sysenter_target
    sti                                 ; the PICs are masked: IF only to be seen cleared
    TRY .se_done
    USER32 user_sysenter
.se_done:
    cli
    CHECK_FAULT "sysenter round trip ends in ring 3", VEC_RETURN, 0
    CHECK_EQ "after sysenter: CS", [se_cs], SE_KCODE
    CHECK_EQ "after sysenter: SS", [se_ss], SE_KDATA
    CHECK_EQ "after sysenter: ESP", [se_esp], SE_STACK_TOP
    CHECK_EQ "after sysenter: IF clear", [se_if], 0
    CHECK_EQ "after sysexit: CS", [se_user_cs], SE_UCODE
    CHECK_EQ "after sysexit: SS", [se_user_ss], SE_UDATA
    CHECK_EQ "after sysexit: ESP from ECX", [se_user_esp], USER_MARK_ESP

    SAY "syscall/sysret in 64-bit mode"
    call paging_build
    ENTER_LONG_MODE long64
bits 64
long64:
    LONG64_SETUP
    ; syscall: CS = 0x10 (KCODE64), SS = 0x18; sysret: CS = 0x20 + 16, SS = 0x20 + 8
    WRMSR MSR_STAR, (0x20 << 16) | KCODE64, 0
    WRMSR MSR_LSTAR, 0, syscall_target
    WRMSR MSR_SFMASK, 0, 0x4700         ; TF, IF, DF, NT
    TRY .sc_done
    USER64 user_syscall
.sc_done:
    CHECK_FAULT "syscall round trip ends in ring 3", VEC_RETURN, 0
    CHECK_EQ "after syscall: CS", [sc_cs], KCODE64
    CHECK_EQ "after syscall: SS", [sc_ss], KDATA
    CHECK_EQ64 "after syscall: RCX is the return RIP", [sc_rcx], user_syscall.after
    CHECK_EQ64 "after syscall: R11 holds RFLAGS (DF set)", [sc_r11], [sc_user_flags]
    mov rax, [sc_flags]
    and eax, 0x4700
    CHECK_EQ "after syscall: RFLAGS masked by SFMASK", eax, 0
    CHECK_EQ64 "after syscall: RSP untouched", [sc_rsp], user_stack_top - 16
    CHECK_EQ "after sysret: CS", [sc_user_cs], UCODE64
    CHECK_EQ "after sysret: SS", [sc_user_ss], UDATA
    CHECK_EQ "after sysret: DF restored from R11", [sc_user_df], 0x400

    mov eax, EFER_SCE
    call efer_clear_64
    TRY .ud
    syscall
.ud:
    CHECK_FAULT "syscall with EFER.SCE clear", 6, 0
    jmp finish64                        ; test_main was called from 32-bit code

bits 32
; ring 3, 32-bit: sysenter with the return ESP in ECX and EIP in EDX
user_sysenter:
    mov ecx, USER_MARK_ESP
    mov edx, .back
    sysenter
.back:
    mov [se_user_esp], esp
    mov [se_user_cs], cs
    mov [se_user_ss], ss
    int VEC_RETURN

sysenter_target:
    mov [se_cs], cs
    mov [se_ss], ss
    mov [se_esp], esp
    pushfd
    pop eax
    and eax, 0x200
    mov [se_if], eax
    sysexit

bits 64
user_syscall:
    push rax                            ; rsp = user_stack_top - 8
    push rax                            ; - 16
    std
    pushfq
    pop rax
    mov [sc_user_flags], rax
    syscall
.after:
    pushfq
    pop rax
    and eax, 0x400
    mov [sc_user_df], eax
    cld
    mov [sc_user_cs], cs
    mov [sc_user_ss], ss
    int VEC_RETURN

syscall_target:
    mov [sc_cs], cs
    mov [sc_ss], ss
    mov [sc_rcx], rcx
    mov [sc_r11], r11
    mov [sc_rsp], rsp
    pushfq                              ; on the user stack: it is mapped, and ours now
    pop rax
    mov [sc_flags], rax
    o64 sysret

efer_clear_64:
    push rcx
    push rdx
    push rbx
    mov ebx, eax
    mov ecx, MSR_EFER
    rdmsr
    not ebx
    and eax, ebx
    wrmsr
    pop rbx
    pop rdx
    pop rcx
    ret
bits 32

section .data
align 8
se_cs: dd 0
se_ss: dd 0
se_esp: dd 0
se_if: dd 0xffffffff
se_user_cs: dd 0
se_user_ss: dd 0
se_user_esp: dd 0
sc_cs: dd 0
sc_ss: dd 0
sc_rcx: dq 0
sc_r11: dq 0
sc_rsp: dq 0
sc_flags: dq 0
sc_user_flags: dq 0
sc_user_cs: dd 0
sc_user_ss: dd 0
sc_user_df: dd 0
section .bss
alignb 16
se_stack: resb 4096
section .text

%include "bare-end.inc"
