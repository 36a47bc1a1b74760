;! build out=modes.bin arch=x86_32 format=bin
; modes: switches between the x86 operating modes and checks each.
;   protected -> real mode -> protected (through 16-bit protected mode)
;   (QEMU 7.2's TCG, the reference, raises no #GP for CR0.PG without
;   CR0.PE, for CR0.PG under EFER.LME without CR4.PAE, or for clearing
;   CR4.PAE in long mode, and loops on a reserved CR4 bit: those illegal
;   transitions cannot be proven against it and are left out.)
;   protected -> long mode (EFER.LMA set, 64-bit code runs)
;   64-bit: 64-bit arithmetic, RIP-relative addressing, #GP for a
;   non-canonical address
;   64-bit -> compatibility mode (32-bit code in long mode) -> 64-bit
;   long mode -> protected mode (paging off, EFER.LMA clear)
%include "bare.inc"
%include "paging.inc"
%include "idt64.inc"

%define RM_BASE 0x8000
%define RM(x) ((x) - rm_stub + RM_BASE)
%define RM_MARK 0x7000
%define CODE16 SPARE0
%define DATA16 (SPARE0 + 8)

test_main:
    call paging_build

    ; --- real mode and back -------------------------------------------
    ; 16-bit code and data segments (base 0, limit 64 KiB) for the way down
    mov dword [gdt + CODE16], 0x0000ffff
    mov dword [gdt + CODE16 + 4], 0x00009a00
    mov dword [gdt + DATA16], 0x0000ffff
    mov dword [gdt + DATA16 + 4], 0x00009200
    mov esi, rm_stub
    mov edi, RM_BASE
    mov ecx, rm_stub_end - rm_stub
    rep movsb
    SAY "protected -> real mode -> protected"
    mov dword [RM_MARK], 0
    mov [saved_esp], esp
    jmp CODE16:RM(rm_stub)
back_from_real_mode:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [saved_esp]
    lidt [idt32_desc]
    CHECK_EQ "real mode wrote through segment:offset", [RM_MARK], 0x12345678
    CHECK_EQ "real mode saw CR0.PE clear", [RM_MARK + 4], 0
    CHECK_EQ "real mode: 16-bit push/pop", [RM_MARK + 8], 2

    ; --- into long mode ------------------------------------------------
    SAY "protected -> long mode"
    ENTER_LONG_MODE long64

bits 64
long64:
    LONG64_SETUP
    mov ecx, MSR_EFER
    rdmsr
    and eax, EFER_LMA | EFER_LME
    CHECK_EQ "EFER.LMA and LME in long mode", eax, EFER_LMA | EFER_LME
    mov rax, 0x123456789
    shl rax, 4
    CHECK_EQ64 "64-bit shift", rax, 0x1234567890
    lea rax, [rel long64]
    CHECK_EQ64 "rip-relative lea", rax, long64
    mov rax, -1
    add eax, 1                      ; 32-bit ops zero the upper half
    CHECK_EQ64 "32-bit op zero-extends", rax, 0

    mov rbx, 0x0000800000000000     ; first non-canonical address
    TRY .noncanonical
    mov rax, [rbx]
.noncanonical:
    CHECK_FAULT "non-canonical access", 13, 0

    ; --- compatibility mode and back --------------------------------------
    SAY "64-bit -> compatibility mode -> 64-bit"
    mov [saved_rsp], rsp
    push KCODE32
    mov rax, compat32
    push rax
    retfq
bits 32
compat32:
    ; 32-bit code in long mode: pushes are 4 bytes
    mov eax, esp
    push eax
    sub eax, esp
    pop ecx
    mov [compat_push], eax
    mov ecx, MSR_EFER
    rdmsr
    mov [compat_efer], eax
    jmp KCODE64:long64_again
bits 64
long64_again:
    mov rsp, [saved_rsp]
    CHECK_EQ "push size in compatibility mode", [compat_push], 4
    mov eax, [compat_efer]
    and eax, EFER_LMA
    CHECK_EQ "EFER.LMA in compatibility mode", eax, EFER_LMA

    ; --- out of long mode ---------------------------------------------------
    SAY "long mode -> protected mode"
    push KCODE32
    mov rax, leave32
    push rax
    retfq
bits 32
leave32:
    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax                    ; LMA clears: plain protected mode
    mov eax, EFER_LME
    call efer_clear
    mov ax, KDATA
    mov ss, ax
    mov esp, [saved_rsp]
    lidt [idt32_desc]
    mov ecx, MSR_EFER
    rdmsr
    and eax, EFER_LMA | EFER_LME
    CHECK_EQ "EFER.LMA and LME clear after leaving long mode", eax, 0
    ; 32-bit code works as before, flat, no paging
    mov eax, cr0
    and eax, CR0_PG | CR0_PE
    CHECK_EQ "back in protected mode without paging", eax, CR0_PE
    ret

; --- the real-mode round trip, copied to RM_BASE -----------------------------
bits 16
rm_stub:
    mov ax, DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~CR0_PE
    mov cr0, eax
    jmp 0:RM(.real)
.real:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, RM_BASE
    lidt [RM(rm_ivt)]
    mov ax, RM_MARK >> 4
    mov es, ax
    mov dword [es:0], 0x12345678    ; es:0 = RM_MARK
    smsw ax
    and eax, 1
    mov [es:4], eax
    mov bx, sp
    push ax
    sub bx, sp
    pop ax
    mov [es:8], bx
    mov dword [es:8 + 2], 0
    ; back to protected mode
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword KCODE32:back_from_real_mode
rm_ivt:
    dw 0x3ff
    dd 0
rm_stub_end:
bits 32

section .data
align 8
saved_esp: dd 0
saved_rsp: dq 0
compat_push: dd 0
compat_efer: dd 0
section .text

%include "bare-end.inc"
