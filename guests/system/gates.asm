;! build out=gates.bin arch=x86_32 format=bin
; gates: control transfers through gates and a hardware task switch.
;   a call gate from ring 3 to ring 0: the stack switch through the TSS, the
;     two parameters copied, CS/SS/ESP on both sides, and the far return
;   an interrupt gate clears IF, a trap gate leaves it set
;   a double fault through a task gate: #GP while the #GP gate is not
;     present (#NP) makes #DF, which switches to the double-fault task:
;     its TR, back link, NT flag and error code, the faulting EIP saved in
;     the old TSS, then IRET back to the first task
%include "bare.inc"

%define CALL_GATE SPARE0
%define DF_STACK_TOP (df_stack + 4096)

test_main:
    SAY "call gate from ring 3"
    ; 32-bit call gate, DPL3, to KCODE32:gate_target, 2 dword parameters
    mov eax, gate_target
    mov [gdt + CALL_GATE], ax
    mov word [gdt + CALL_GATE + 2], KCODE32
    mov byte [gdt + CALL_GATE + 4], 2
    mov byte [gdt + CALL_GATE + 5], 0xec            ; P, DPL3, 32-bit call gate
    shr eax, 16
    mov [gdt + CALL_GATE + 6], ax
    TRY .cg_done
    USER32 user_call_gate
.cg_done:
    CHECK_FAULT "call gate round trip ends in ring 3", VEC_RETURN, 0
    CHECK_EQ "in the gate: CS", [cg_cs], KCODE32
    CHECK_EQ "in the gate: SS from TSS.ss0", [cg_ss], KDATA
    CHECK_EQ "in the gate: ESP from TSS.esp0", [cg_esp], ring0_stack_top - 24
    CHECK_EQ "in the gate: caller CS", [cg_frame + 4], UCODE32
    CHECK_EQ "in the gate: parameter 2 (pushed last)", [cg_frame + 8], 0x2222
    CHECK_EQ "in the gate: parameter 1", [cg_frame + 12], 0x1111
    CHECK_EQ "in the gate: caller ESP", [cg_frame + 16], user_stack_top - 8
    CHECK_EQ "in the gate: caller SS", [cg_frame + 20], UDATA
    CHECK_EQ "back in ring 3: ESP after retf 8", [cg_user_esp], user_stack_top
    CHECK_EQ "back in ring 3: CS", [cg_user_cs], UCODE32

    SAY "interrupt and trap gates"
    mov ecx, 0x42
    mov eax, flags_handler
    mov bl, GATE_INT32
    call idt32_set_gate
    mov ecx, 0x43
    mov bl, GATE_TRAP32
    call idt32_set_gate
    sti
    int 0x42
    mov eax, [handler_flags]
    int 0x43
    mov edx, [handler_flags]
    cli
    and eax, 0x200
    and edx, 0x200
    CHECK_EQ "interrupt gate clears IF", eax, 0
    CHECK_EQ "trap gate keeps IF", edx, 0x200

    SAY "double fault through a task gate"
    ; the double-fault task
    mov dword [df_tss + 0x1c], 0                    ; cr3 (paging is off)
    mov dword [df_tss + 0x20], df_task              ; eip
    mov dword [df_tss + 0x24], 0x2                  ; eflags
    mov dword [df_tss + 0x38], DF_STACK_TOP         ; esp
    mov dword [df_tss + 0x4c], KCODE32              ; cs
    mov eax, KDATA
    mov [df_tss + 0x48], eax                        ; es
    mov [df_tss + 0x50], eax                        ; ss
    mov [df_tss + 0x54], eax                        ; ds
    mov [df_tss + 0x58], eax                        ; fs
    mov [df_tss + 0x5c], eax                        ; gs
    mov word [df_tss + 0x66], 104                   ; no I/O bitmap
    mov eax, df_tss
    mov ecx, 103
    mov edx, TSS2_SEL
    mov bl, 0x89
    call gdt_set_system
    mov ecx, 8
    mov dx, TSS2_SEL
    call idt32_set_task_gate
    ; the #GP gate not present
    mov ecx, 13
    mov eax, exc_stub_13
    mov bl, GATE_INT32 & 0x7f
    call idt32_set_gate
    mov [df_saved_esp], esp
    mov ebx, 0xb0b0b0b0
df_fault:
    mov ax, 0x200                                   ; beyond the GDT: #GP -> #NP -> #DF
    mov ds, ax
    FAIL "no double fault"
df_resume:
    mov [df_back_ebx], ebx
    mov [df_back_esp], esp
    str ax
    movzx eax, ax
    CHECK_EQ "back in the first task: TR", eax, TSS_SEL
    CHECK_EQ "back in the first task: ESP", [df_back_esp], [df_saved_esp]
    CHECK_EQ "back in the first task: EBX", [df_back_ebx], 0xb0b0b0b0
    CHECK_EQ "in the double-fault task: TR", [df_tr], TSS2_SEL
    CHECK_EQ "in the double-fault task: back link", [df_link], TSS_SEL
    CHECK_EQ "in the double-fault task: EFLAGS.NT", [df_nt], 0x4000
    CHECK_EQ "in the double-fault task: error code", [df_error], 0
    CHECK_EQ "in the double-fault task: EIP saved in the old TSS", [df_old_eip], df_fault + 4
    mov eax, [gdt + TSS2_SEL + 4]
    and eax, 0x0f00
    CHECK_EQ "the double-fault TSS is not busy after IRET", eax, 0x0900
    ret

; ring 3: call through the gate with two parameters, then report
user_call_gate:
    push dword 0x1111
    push dword 0x2222
    call CALL_GATE:0
    mov [cg_user_esp], esp
    mov [cg_user_cs], cs
    int VEC_RETURN

gate_target:
    mov [cg_cs], cs
    mov [cg_ss], ss
    mov [cg_esp], esp
    mov eax, [esp]
    mov [cg_frame], eax
    mov eax, [esp + 4]
    mov [cg_frame + 4], eax
    mov eax, [esp + 8]
    mov [cg_frame + 8], eax
    mov eax, [esp + 12]
    mov [cg_frame + 12], eax
    mov eax, [esp + 16]
    mov [cg_frame + 16], eax
    mov eax, [esp + 20]
    mov [cg_frame + 20], eax
    retf 8

flags_handler:
    push eax
    pushfd
    pop eax
    mov [handler_flags], eax
    pop eax
    iretd

; The double-fault task. It records what it sees, repairs the #GP gate,
; points the first task past the faulting instruction and returns to it.
df_task:
    str ax
    movzx eax, ax
    mov [df_tr], eax
    movzx eax, word [df_tss]
    mov [df_link], eax
    pushfd
    pop eax
    and eax, 0x4000
    mov [df_nt], eax
    pop eax                                         ; the error code
    mov [df_error], eax
    mov eax, [tss32 + 0x20]
    mov [df_old_eip], eax
    mov dword [tss32 + 0x20], df_resume
    mov ecx, 13
    mov eax, exc_stub_13
    mov bl, GATE_INT32
    call idt32_set_gate
    iretd
    FAIL "iret from the double-fault task fell through"
    jmp finish32

section .data
align 4
cg_cs: dd 0
cg_ss: dd 0
cg_esp: dd 0
cg_frame: times 6 dd 0
cg_user_esp: dd 0
cg_user_cs: dd 0
handler_flags: dd 0
df_saved_esp: dd 0
df_back_ebx: dd 0
df_back_esp: dd 0
df_tr: dd 0
df_link: dd 0
df_nt: dd 0
df_error: dd 0xffffffff
df_old_eip: dd 0
section .bss
alignb 16
df_tss: resb 104
alignb 16
df_stack: resb 4096
section .text

%include "bare-end.inc"
