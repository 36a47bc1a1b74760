;! build out=exceptions.bin arch=x86_32 format=bin
; exceptions: the architectural exceptions an instruction can raise, with
; fault-or-trap semantics (the saved EIP), error codes, and no partial
; state left by a faulting instruction:
;   #DE (div by zero, and quotient overflow): a fault, registers untouched
;   #UD (ud2, lock on a non-lockable instruction), #BR (bound), #OF (into:
;   a trap, only with OF set), #BP (int3: a trap), #NM (CR0.TS and x87),
;   #MF (x87 with CR0.NE). (QEMU's TCG raises no #XM for unmasked SSE
;   exceptions, so that one is not checked here.)
;   push to an unmapped page faults with ESP unchanged
%include "bare.inc"
%include "paging.inc"

; Run %2 (one instruction) under TRY; expect vector %3 with error 0 and
; EIP at the instruction (%4 = 0, a fault) or after it (%4 = 1, a trap).
%macro EXPECT 4
    TRY %%r
%%insn:
    %2
%%after:
    FAIL {%1, ": no exception"}
%%r:
    CHECK_FAULT %1, %3, 0
%if %4
    CHECK_EQ {%1, ": EIP after the instruction (a trap)"}, [fault_ip], %%after
%else
    CHECK_EQ {%1, ": EIP at the instruction (a fault)"}, [fault_ip], %%insn
%endif
%endmacro

test_main:
    SAY "integer exceptions"
    mov eax, 0x1234
    xor edx, edx
    xor ecx, ecx
    EXPECT "div by zero", {div ecx}, 0, 0
    CHECK_EQ "div by zero leaves EAX", [fault_eax], 0x1234
    mov edx, 2
    mov eax, 0
    mov ecx, 1
    EXPECT "div quotient overflow", {div ecx}, 0, 0
    CHECK_EQ "quotient overflow leaves EDX", [fault_edx], 2
    CHECK_EQ "quotient overflow leaves EAX", [fault_eax], 0
    EXPECT "ud2", {ud2}, 6, 0
    EXPECT "lock on a non-lockable instruction", {db 0xf0, 0x90}, 6, 0
    mov eax, 10
    EXPECT "bound out of range", {bound eax, [bounds]}, 5, 0
    mov eax, 0x7fffffff
    add eax, 1                          ; OF set
    EXPECT "into with OF set", {into}, 4, 1
    EXPECT "int3", {int3}, 3, 1
    mov eax, 3
    bound eax, [bounds]                 ; in range: no exception
    xor eax, eax                        ; OF clear
    into                                ; no exception

    SAY "a faulting push leaves ESP"
    call paging_build
    mov dword [pd_tables + (0x40000000 >> 21) * 8], 0  ; 1 GiB: not present
    call pae_enable
    TRY .push
    USER32 user_push, 0x40000010
.push:
    CHECK_PF "ring 3 push to a not-present page", 0x06, 0x4000000c
    CHECK_EQ "the faulting push did not move ESP", [fault_sp], 0x40000010
    call pae_disable

    SAY "x87"
    mov eax, cr0
    or eax, 1 << 3                      ; TS
    mov cr0, eax
    EXPECT "x87 with CR0.TS", {fninit}, 7, 0
    clts
    mov eax, cr0
    or eax, 1 << 5                      ; NE: x87 errors as #MF
    and eax, ~(1 << 2)                  ; EM off
    or eax, 1 << 1                      ; MP
    mov cr0, eax
    fninit
    fldcw [fpu_cw_zm_unmasked]
    fld1
    fldz
    fdivp st1, st0                      ; ZE pending, unmasked
    EXPECT "x87 error pending at the next x87 instruction", {fwait}, 16, 0
    fninit
    ret

user_push:
    push eax
    int VEC_RETURN

section .data
align 8
bounds: dd 0, 5
fpu_cw_zm_unmasked: dw 0x037b          ; all masked but ZM
section .text

%include "bare-end.inc"
