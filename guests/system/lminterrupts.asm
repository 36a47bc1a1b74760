;! build out=lminterrupts.bin arch=x86_32 format=bin
; lminterrupts: interrupts and exceptions in 64-bit mode.
;   from ring 3: the stack switch to TSS.RSP0, SS loaded with a null
;     selector, the 64-bit frame (SS, RSP, RFLAGS, CS, RIP), iretq back
;   IST: an interrupt gate with IST 1 switches to TSS.IST1 even in ring 0
;   the frame is 16-byte aligned: RSP is aligned down before the push
;   a page fault above 4 GiB (4-level paging) with the full 64-bit CR2,
;     from ring 3; an instruction fetch from an NX page in ring 3
%include "bare.inc"
%include "paging.inc"
%include "idt64.inc"

%define IST_STACK_TOP (ist_stack + 4096)
%define HIGH_VA 0x00007fff00000123  ; PML4 slot 255: not present
%define NX_VA   0x40000000          ; a 2 MiB page marked NX here

test_main:
    call paging_build
    ; the 2 MiB page at NX_VA: NX
    mov dword [pd_tables + (NX_VA >> 21) * 8 + 4], PTE_NX_HI
    ENTER_LONG_MODE long64
bits 64
long64:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    call idt64_init
    call tss64_init
    mov rax, IST_STACK_TOP
    mov [tss64 + 0x24], rax             ; IST1
    ; vector 0x50: DPL3 interrupt gate; 0x51: IST 1; 0x52: plain
    mov ecx, 0x50
    mov eax, frame_handler
    mov bl, GATE_INT64 | GATE_DPL3
    call idt64_set_gate
    mov ecx, 0x51
    mov bl, GATE_INT64
    call idt64_set_gate
    mov byte [idt64 + 0x51 * 16 + 4], 1 ; IST 1
    mov ecx, 0x52
    call idt64_set_gate

    SAY "ring 3 -> ring 0 interrupt and iretq"
    TRY .r3
    USER64 user_int50
.r3:
    CHECK_FAULT "ring 3 resumed after iretq", VEC_RETURN, 0
    CHECK_EQ64 "handler RSP: TSS.RSP0 minus the frame", [h_rsp], ring0_stack_top - 40
    CHECK_EQ "handler SS: null selector", [h_ss], 0
    CHECK_EQ64 "frame RIP", [h_frame], user_int50.after
    CHECK_EQ64 "frame CS", [h_frame + 8], UCODE64
    CHECK_EQ64 "frame RSP", [h_frame + 24], user_stack_top - 8
    CHECK_EQ64 "frame SS", [h_frame + 32], UDATA
    CHECK_EQ64 "ring 3 registers survive", [u_rbx], 0x1122334455667788

    SAY "IST and stack alignment in ring 0"
    mov [saved_rsp], rsp
    int 0x51
    CHECK_EQ64 "IST 1 handler RSP", [h_rsp], IST_STACK_TOP - 40
    CHECK_EQ64 "IST frame SS", [h_frame + 32], KDATA
    mov rax, [saved_rsp]
    CHECK_EQ64 "IST frame RSP", [h_frame + 24], rax
    mov rsp, [saved_rsp]
    and rsp, ~0xf
    sub rsp, 8                          ; misaligned by 8
    mov [saved_rsp], rsp
    int 0x52
    mov rsp, [saved_rsp]
    mov rax, rsp
    and rax, ~0xf
    sub rax, 40
    CHECK_EQ64 "handler RSP aligned down to 16 before the frame", [h_rsp], rax

    SAY "page faults in 4-level paging"
    mov rbx, HIGH_VA
    TRY .high
    USER64 user_read
.high:
    CHECK_FAULT "ring 3 read above 4 GiB, not present", 14, 0x04
    CHECK_EQ64 "CR2 holds the 64-bit address", [fault_cr2], HIGH_VA
    mov rbx, NX_VA + 0x10
    TRY .nx
    USER64 user_fetch
.nx:
    CHECK_FAULT "ring 3 fetch from an NX page", 14, 0x15
    CHECK_EQ64 "CR2 of the fetch", [fault_cr2], NX_VA + 0x10
    jmp finish64

user_int50:
    push rax
    mov rbx, 0x1122334455667788
    int 0x50
.after:
    mov [u_rbx], rbx
    int VEC_RETURN
user_read:
    mov rax, [rbx]
    int VEC_RETURN
user_fetch:
    jmp rbx

; Records RSP, SS and the five-qword frame, then returns.
frame_handler:
    mov [h_rsp], rsp
    mov [h_ss], ss
    push rax
    mov rax, [rsp + 8]
    mov [h_frame], rax
    mov rax, [rsp + 16]
    mov [h_frame + 8], rax
    mov rax, [rsp + 24]
    mov [h_frame + 16], rax
    mov rax, [rsp + 32]
    mov [h_frame + 24], rax
    mov rax, [rsp + 40]
    mov [h_frame + 32], rax
    pop rax
    iretq
bits 32

section .data
align 8
h_rsp: dq 0
h_ss: dd 0xffff
align 8
h_frame: times 5 dq 0
saved_rsp: dq 0
u_rbx: dq 0
section .bss
alignb 16
ist_stack: resb 4096
section .text

%include "bare-end.inc"
