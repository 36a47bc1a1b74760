;! build out=debugregs.bin arch=x86_32 format=bin
; debugregs: hardware breakpoints through DR0-DR3 and DR7.
;   an instruction breakpoint is a fault: #DB before the instruction runs,
;     EIP at it, DR6.B0; RF in the saved EFLAGS lets it run on return
;   a data write breakpoint is a trap: #DB after the write, DR6.B1
;   a data read/write breakpoint fires on a read too (DR6.B2)
;   a disabled breakpoint (L clear) does not fire
%include "bare.inc"

%define DR7_L0 (1 << 0)
%define DR7_L1 (1 << 2)
%define DR7_L2 (1 << 4)
%define DR7_GE (1 << 9)
%define RW_WRITE 1
%define RW_RW 3
%define LEN_4 3

test_main:
    mov ecx, 1
    mov eax, db_handler
    mov bl, GATE_INT32
    call idt32_set_gate
    xor eax, eax
    mov dr6, eax

    SAY "instruction breakpoint"
    mov eax, bp_target
    mov dr0, eax
    mov eax, DR7_L0 | DR7_GE
    mov dr7, eax
    mov dword [hits], 0
    mov ecx, 5
bp_target:
    add ecx, 1                          ; the breakpoint: #DB before this runs
    CHECK_EQ "one #DB for the instruction breakpoint", [hits], 1
    CHECK_EQ "#DB EIP is the instruction (a fault)", [hit_eip], bp_target
    mov eax, [hit_dr6]
    and eax, 0x400f
    CHECK_EQ "DR6.B0", eax, 1
    CHECK_EQ "the instruction ran once after the return (RF)", ecx, 6

    SAY "data breakpoints"
    mov eax, watched
    mov dr1, eax
    mov eax, watched2
    mov dr2, eax
    mov eax, DR7_L1 | DR7_L2 | DR7_GE | ((RW_WRITE | (LEN_4 << 2)) << 20) | ((RW_RW | (LEN_4 << 2)) << 24)
    mov dr7, eax
    mov dword [hits], 0
    mov eax, [watched]                  ; a read: a write breakpoint does not fire
    CHECK_EQ "no #DB for a read of a write-watched dword", [hits], 0
write_it:
    mov dword [watched], 7
after_write:
    CHECK_EQ "one #DB for the watched write", [hits], 1
    CHECK_EQ "#DB EIP is after the write (a trap)", [hit_eip], after_write
    mov eax, [hit_dr6]
    and eax, 0x400f
    CHECK_EQ "DR6.B1", eax, 2
    CHECK_EQ "the write happened", [watched], 7
    mov dword [hits], 0
    mov eax, [watched2]
after_read:
    CHECK_EQ "one #DB for a read of a read/write-watched dword", [hits], 1
    CHECK_EQ "#DB EIP after the read", [hit_eip], after_read
    mov eax, [hit_dr6]
    and eax, 0x400f
    CHECK_EQ "DR6.B2", eax, 4

    SAY "disabled breakpoints"
    mov eax, DR7_GE
    mov dr7, eax
    mov dword [hits], 0
    mov dword [watched], 8
    mov eax, [watched2]
    CHECK_EQ "no #DB with DR7.L clear", [hits], 0
    xor eax, eax
    mov dr7, eax
    ret

; Records the first hit's EIP and DR6; sets RF so a fault-type breakpoint
; does not fire again on return.
db_handler:
    push eax
    inc dword [hits]
    cmp dword [hits], 1
    jne .more
    mov eax, [esp + 4]
    mov [hit_eip], eax
    mov eax, dr6
    mov [hit_dr6], eax
.more:
    xor eax, eax
    mov dr6, eax
    or dword [esp + 12], 1 << 16        ; EFLAGS.RF in the frame
    cmp dword [hits], 8
    jb .ret
    xor eax, eax                        ; a runaway: disable everything
    mov dr7, eax
.ret:
    pop eax
    iretd

section .data
align 4
hits: dd 0
hit_eip: dd 0
hit_dr6: dd 0
watched: dd 0
watched2: dd 0
section .text

%include "bare-end.inc"
