;! build out=vm86.bin arch=x86_32 format=bin
; vm86: virtual-8086 mode, entered by iret with EFLAGS.VM from ring 0.
;   real-mode addressing (segment * 16 + offset) for code, data and stack
;   with IOPL 3, `int n` goes through the protected-mode IDT (a DPL3 gate),
;     whose handler sees the 8086 CS:IP and EFLAGS.VM in its frame
;   with IOPL 0, cli and int n are #GP(0), but in/out are checked against
;     the TSS I/O bitmap only: an allowed port works, a denied one is #GP(0)
%include "bare.inc"

%define V86_CODE_SEG 0x0900         ; code copied to 0x9000
%define V86_STACK_SEG 0x0800        ; stack below 0x9000
%define V86_DATA_SEG 0x0700         ; data at 0x7000
%define V86_MARK 0x7000
%define EFLAGS_VM (1 << 17)
%define IOPL3 0x3000

; Enter VM86 at V86_CODE_SEG:%1 (an offset label in v86_code) with EFLAGS %2.
%macro ENTER_V86 2
    push dword 0                    ; gs
    push dword 0                    ; fs
    push dword V86_DATA_SEG         ; ds
    push dword V86_DATA_SEG         ; es
    push dword V86_STACK_SEG        ; ss
    push dword 0x0f00               ; sp
    push dword %2 | EFLAGS_VM | 2   ; eflags
    push dword V86_CODE_SEG         ; cs
    push dword %1 - v86_code        ; ip
    iretd
%endmacro

test_main:
    mov esi, v86_code
    mov edi, V86_CODE_SEG * 16
    mov ecx, v86_code_end - v86_code
    rep movsb
    mov dword [V86_MARK], 0

    SAY "IOPL 3: int goes to the protected-mode IDT"
    TRY .int3
    ENTER_V86 v86_compute, IOPL3
.int3:
    CHECK_FAULT "int 0x81 from virtual-8086 mode", VEC_RETURN, 0
    CHECK_EQ "segment arithmetic: DS:0 is 0x7000", [V86_MARK], 0x1234
    CHECK_EQ "16-bit stack at SS:SP", [V86_MARK + 4], 0x0efe
    CHECK_EQ "the frame's CS is the 8086 segment", [fault_cs], V86_CODE_SEG
    CHECK_EQ "the frame's IP follows the int", [fault_ip], v86_compute.after - v86_code
    mov eax, [fault_flags]
    and eax, EFLAGS_VM
    CHECK_EQ "EFLAGS.VM in the frame", eax, EFLAGS_VM

    SAY "IOPL 0: sensitive instructions and the I/O bitmap"
    TRY .cli
    ENTER_V86 v86_cli, 0
.cli:
    CHECK_FAULT "cli in virtual-8086 mode with IOPL 0", 13, 0
    CHECK_EQ "#GP at the cli", [fault_ip], v86_cli - v86_code
    TRY .denied
    ENTER_V86 v86_in, 0
.denied:
    CHECK_FAULT "in from a port the bitmap denies", 13, 0
    mov eax, 0xe9
    btr [tss32_iomap], eax
    mov dword [V86_MARK + 8], 0
    TRY .allowed
    ENTER_V86 v86_in, 0
.allowed:
    CHECK_FAULT "in from an allowed port, then int with IOPL 0", 13, 0
    CHECK_EQ "the in read port 0xe9", [V86_MARK + 8], 0xe9
    CHECK_EQ "#GP at the int", [fault_ip], v86_in.int - v86_code
    ret

; copied to V86_CODE_SEG:0; offsets are from v86_code
bits 16
v86_code:
v86_compute:
    mov word [0], 0x1234            ; DS = 0x0700
    mov word [2], 0
    push ax
    mov [4], sp
    mov word [6], 0
    pop ax
    int VEC_RETURN
.after:
    jmp $
v86_cli:
    cli
    jmp $
v86_in:
    in al, 0xe9
    mov [8], al
.int:
    int VEC_RETURN
    jmp $
v86_code_end:
bits 32

%include "bare-end.inc"
