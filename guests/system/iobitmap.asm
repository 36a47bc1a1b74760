;! build out=iobitmap.bin arch=x86_32 format=bin
; iobitmap: I/O permission in ring 3 with IOPL 0, through the TSS I/O
; bitmap:
;   a port whose bit is clear is allowed (in from 0xe9 reads 0xe9; out to 0x80)
;   a port whose bit is set gives #GP(0), for in, out and ins
;   a word access is allowed only when both ports' bits are clear
;   a port past the TSS limit is denied even when its bit is clear
;   with IOPL 3 the bitmap is not consulted at all, and cli/sti are allowed
%include "bare.inc"

; clear port %1's bit (a register bit offset addresses the whole string)
%macro ALLOW 1
    mov eax, %1
    btr dword [tss32_iomap], eax
%endmacro

; ring-3 routine %2: expect it to end with VEC_RETURN (ok) or #GP(0)
%macro USER_IO 3
    TRY %%r
    USER32 %2
%%r:
%if %3
    CHECK_FAULT %1, VEC_RETURN, 0
%else
    CHECK_FAULT %1, 13, 0
%endif
%endmacro

%define OK 1
%define GP 0

test_main:
    SAY "ports allowed and denied by the bitmap"
    ALLOW 0xe9
    ALLOW 0x80
    mov dword [in_value], 0
    USER_IO "in from an allowed port", user_in_e9, OK
    CHECK_EQ "in from port 0xe9 reads 0xe9", [in_value], 0xe9
    USER_IO "out to an allowed port", user_out_80, OK
    USER_IO "in from a denied port", user_in_3fd, GP
    USER_IO "out to a denied port", user_out_3f8, GP
    USER_IO "rep insb from a denied port", user_insb_3f8, GP
    USER_IO "word in across an allowed and a denied port", user_in_80_word, GP
    ALLOW 0x81
    USER_IO "word in across two allowed ports", user_in_80_word, OK

    SAY "ports past the TSS limit"
    ALLOW 0x3fd
    USER_IO "in from an allowed port inside the limit", user_in_3fd, OK
    ; shrink the TSS to cover only ports 0-0xff of the bitmap
    mov ecx, tss32_iomap - tss32 + 0x100 / 8 - 1
    call tss_reload
    USER_IO "in from a port past the TSS limit", user_in_3fd, GP
    USER_IO "in from a port inside the shortened bitmap", user_in_e9, OK
    mov ecx, tss32_end - tss32 - 1
    call tss_reload

    SAY "IOPL 3"
    mov dword [tss32_iomap + 0x3f8 / 8], 0xffffffff ; deny COM1 again
    pushfd
    or dword [esp], 0x3000
    popfd
    USER_IO "in from a denied port with IOPL 3", user_in_3fd, OK
    USER_IO "cli and sti with IOPL 3", user_cli_sti, OK
    pushfd
    and dword [esp], ~0x3000
    popfd
    USER_IO "cli with IOPL 0", user_cli_sti, GP
    ret

; ecx: the new TSS limit. The descriptor must be made available again
; (TR keeps it busy) before ltr loads it.
tss_reload:
    push eax
    push ebx
    push edx
    mov eax, tss32
    mov edx, TSS_SEL
    mov bl, 0x89
    call gdt_set_system
    mov ax, TSS_SEL
    ltr ax
    pop edx
    pop ebx
    pop eax
    ret

user_in_e9:
    in al, 0xe9
    movzx eax, al
    mov [in_value], eax
    int VEC_RETURN
user_out_80:
    out 0x80, al
    int VEC_RETURN
user_in_3fd:
    mov dx, 0x3fd
    in al, dx
    int VEC_RETURN
user_out_3f8:
    mov dx, 0x3f8
    out dx, al
    int VEC_RETURN
user_insb_3f8:
    mov dx, 0x3f8
    mov edi, user_stack_top - 64
    mov ecx, 1
    rep insb
    int VEC_RETURN
user_in_80_word:
    in ax, 0x80
    int VEC_RETURN
user_cli_sti:
    cli
    sti
    cli
    int VEC_RETURN

section .data
in_value: dd 0
section .text

%include "bare-end.inc"
