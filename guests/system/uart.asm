;! build out=uart.bin arch=x86_32 format=bin
; uart: the 16550A at 0x3f8 register by register, as a guest sees it, and
; console input. Booted with "\n\nping\n" on the serial line's input.
;   scratch register; divisor latch readback through DLAB; IER keeps its
;   four bits; FIFO enable shows in IIR bits 6-7; LSR THRE and TEMT
;   loopback: a byte written to THR comes back in RBR; MSR shows RTS/DTR/
;   OUT1/OUT2 as CTS/DSR/RI/DCD (the delta bits are not checked: QEMU
;   does not set them in loopback)
;   THR-empty interrupt identification, acknowledged by reading IIR
;   input: reads a line from RBR (polling LSR.DR) and checks it is "ping"
%include "bare.inc"

%define COM_DATA (COM1 + 0)
%define COM_IER  (COM1 + 1)
%define COM_IIR  (COM1 + 2)
%define COM_LCR  (COM1 + 3)
%define COM_MCR  (COM1 + 4)
%define COM_LSR  (COM1 + 5)
%define COM_MSR  (COM1 + 6)
%define COM_SCR  (COM1 + 7)

; al = in(port %1), zero-extended into eax
%macro INB 1
    mov dx, %1
    in al, dx
    movzx eax, al
%endmacro
%macro OUTB 2
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

test_main:
    SAY "input"
    ; The input is "\n\nping\n": a byte that arrived before console_init
    ; enabled (and so cleared) the FIFOs is lost, as on real hardware;
    ; only a newline can be lost that way, and empty lines are skipped.
.line:
    mov edi, line
    mov ebx, 64                         ; at most this many bytes
.byte:
    mov ecx, 0x100000                   ; bounded wait for data
.poll:
    INB COM_LSR
    test al, 1
    jnz .ready
    pause
    dec ecx
    jnz .poll
    FAIL "no input on the serial line"
    jmp .registers
.ready:
    INB COM_DATA
    cmp al, 10
    je .eol
    mov [edi], al
    inc edi
    dec ebx
    jnz .byte
.eol:
    cmp edi, line
    je .line                            ; an empty line
    mov byte [edi], 0
    mov esi, line
    mov edi, expected_line
    mov ecx, 5
    repe cmpsb
    sete al
    movzx eax, al
    CHECK_EQ "read the line 'ping' from COM1", eax, 1
.registers:

    SAY "registers"
    OUTB COM_SCR, 0x5a
    INB COM_SCR
    CHECK_EQ "scratch register", eax, 0x5a
    OUTB COM_LCR, 0x83                  ; DLAB, 8N1
    OUTB COM_DATA, 0x34
    OUTB COM_IER, 0x12
    INB COM_DATA
    CHECK_EQ "DLL through DLAB", eax, 0x34
    INB COM_IER
    CHECK_EQ "DLM through DLAB", eax, 0x12
    OUTB COM_DATA, 1
    OUTB COM_IER, 0
    OUTB COM_LCR, 0x03
    INB COM_LCR
    CHECK_EQ "LCR", eax, 0x03
    OUTB COM_IER, 0xf0
    INB COM_IER
    CHECK_EQ "IER keeps bits 0-3 only", eax, 0
    INB COM_IIR
    and eax, 0xc0
    CHECK_EQ "IIR: FIFOs enabled (console_init)", eax, 0xc0
    OUTB COM_IIR, 0x00
    INB COM_IIR
    CHECK_EQ "IIR: FIFOs off, no interrupt", eax, 0x01
    OUTB COM_IIR, 0xc7
    INB COM_LSR
    and eax, 0x60
    CHECK_EQ "LSR: THRE and TEMT", eax, 0x60

    SAY "THR-empty interrupt identification"
    OUTB COM_IER, 0x02
    INB COM_IIR
    and eax, 0x0f
    CHECK_EQ "IIR: THR empty after enabling it", eax, 0x02
    INB COM_IIR
    and eax, 0x0f
    CHECK_EQ "IIR: acknowledged by the read", eax, 0x01
    OUTB COM_IER, 0x00

    SAY "loopback"
    ; nothing may be printed while in loopback: results go to memory
    OUTB COM_MCR, 0x10                  ; loop, all modem outputs off
    INB COM_MSR                         ; clear the deltas of entering loopback
    OUTB COM_DATA, 0xa7
    INB COM_LSR
    and eax, 0x01
    mov [lb_dr], eax
    INB COM_DATA
    mov [lb_byte], eax
    OUTB COM_MCR, 0x1f                  ; loop + DTR, RTS, OUT1, OUT2
    INB COM_MSR
    mov [lb_msr_on], eax
    OUTB COM_MCR, 0x1b                  ; OUT1 off: the trailing edge of RI
    INB COM_MSR
    mov [lb_msr_teri], eax
    OUTB COM_MCR, 0x03                  ; back to normal: DTR, RTS
    CHECK_EQ "loopback: data ready", [lb_dr], 1
    CHECK_EQ "loopback: THR comes back in RBR", [lb_byte], 0xa7
    ; The lines only: QEMU sets no delta bits in loopback (the 16550A does).
    and dword [lb_msr_on], 0xf0
    and dword [lb_msr_teri], 0xf0
    CHECK_EQ "loopback: CTS, DSR, RI, DCD from RTS, DTR, OUT1, OUT2", [lb_msr_on], 0xf0
    CHECK_EQ "loopback: RI follows OUT1", [lb_msr_teri], 0xb0
    ret

section .data
align 4
lb_dr: dd 0
lb_byte: dd 0
lb_msr_on: dd 0
lb_msr_teri: dd 0
expected_line: db 'ping', 0
line: times 65 db 0
section .text

%include "bare-end.inc"
