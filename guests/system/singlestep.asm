;! build out=singlestep.bin arch=x86_32 format=bin
; singlestep: the trap flag. A #DB handler records the EIP of every trap
; and DR6; the test checks the exact sequence:
;   popf setting TF traps only after the instruction that follows it
;   each instruction then traps once, at the next instruction (a jump at
;     its target), with DR6.BS set
;   popf clearing TF still traps after itself (TF was set when it began)
;   mov ss delays the trap past the next instruction
%include "bare.inc"

%define MAX_TRAPS 16

test_main:
    mov ecx, 1
    mov eax, db_handler
    mov bl, GATE_INT32
    call idt32_set_gate
    xor eax, eax
    mov dr6, eax

    SAY "stepping through a few instructions"
    pushfd
    or dword [esp], 0x100
    popfd
s1: nop
s2: mov eax, 1
s3: jmp s4
    nop
s4: pushfd
s5: and dword [esp], ~0x100
s6: popfd
s7: nop
    mov esi, expect_plain
    mov ecx, 6
    call check_traps

    SAY "stepping over mov ss"
    mov dword [trap_count], 0
    mov ax, ss
    pushfd
    or dword [esp], 0x100
    popfd
m1: mov ss, ax
m2: nop
m3: pushfd
m4: and dword [esp], ~0x100
m5: popfd
m6: nop
    mov esi, expect_mov_ss
    mov ecx, 4
    call check_traps
    ret

; esi: the expected EIPs, ecx: how many
check_traps:
    CHECK_EQ "number of single-step traps", [trap_count], ecx
    xor ebx, ebx
.next:
    cmp ebx, ecx
    jae .done
    cmp ebx, [trap_count]
    jae .done
    mov eax, [trap_eip + ebx * 4]
    CHECK_EQ "single-step trap EIP", eax, [esi + ebx * 4]
    mov eax, [trap_dr6 + ebx * 4]
    and eax, 0x4000
    CHECK_EQ "DR6.BS", eax, 0x4000
    inc ebx
    jmp .next
.done:
    ret

db_handler:
    push eax
    push ebx
    mov ebx, [trap_count]
    cmp ebx, MAX_TRAPS
    jae .full
    mov eax, [esp + 8]                  ; the EIP the trap returns to
    mov [trap_eip + ebx * 4], eax
    mov eax, dr6
    mov [trap_dr6 + ebx * 4], eax
    inc dword [trap_count]
.full:
    xor eax, eax
    mov dr6, eax
    pop ebx
    pop eax
    iretd

section .data
align 4
expect_plain:  dd s2, s3, s4, s5, s6, s7
expect_mov_ss: dd m3, m4, m5, m6
trap_count: dd 0
trap_eip: times MAX_TRAPS dd 0
trap_dr6: times MAX_TRAPS dd 0
section .text

%include "bare-end.inc"
