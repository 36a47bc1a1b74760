; Native fixture runner, x86-64 Linux user mode, no libc.
;
; Reads from stdin: the initial image of the data windows (MAIN then LOW),
; then fixed-size case records; for each case it resets the data windows,
; applies the case's memory patches, copies the snippet to CODE_BASE followed
; by an absolute jump back here, loads every GPR and RFLAGS, runs the snippet,
; and writes the final GPRs, raw RFLAGS, the exception vector (or -1) and
; every data qword that differs from its initial value to stdout.
;
; Faults are caught with a SIGSEGV/SIGILL/SIGFPE/SIGBUS/SIGTRAP handler that
; runs on an alternate stack (the snippet's stack lives in the data window and
; must not be overwritten), reads the vector from uc_mcontext.trapno, and
; redirects the interrupted context to fault_resume.
;
; The record layout is shared with tools/cpu-fixtures/native.ts: change both.

%include "layout.inc"
%include "gpr64.inc"

bits 64
default rel

%define SYS_read         0
%define SYS_write        1
%define SYS_mmap         9
%define SYS_rt_sigaction 13
%define SYS_rt_sigreturn 15
%define SYS_sigaltstack  131
%define SYS_exit_group   231

; uc_mcontext.gregs[] starts 40 bytes into ucontext_t.
%define UC_GREG(i) (40 + (i) * 8)
%define REG_RSP 15
%define REG_RIP 16
%define REG_TRAPNO 20

section .bss
alignb 16
altstack:   resb ALTSTACK_SIZE
rec:        resb REC_SIZE
out:        resb OUT_FIXED + 8 + (MAIN_SIZE + LOW_SIZE) / 8 * 16
template:   resb MAIN_SIZE + LOW_SIZE
saved_rsp:  resq 1
low_ok:     resq 1

section .data
sigact:     dq handler
            dq 0x04000000 | 0x08000000 | 4   ; SA_RESTORER | SA_ONSTACK | SA_SIGINFO
            dq restorer
            dq 0                               ; mask
altstack_t: dq altstack
            dd 0, 0
            dq ALTSTACK_SIZE
signals:    db 4, 5, 7, 8, 11, 0              ; SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV
after_ptr:  dq after
hdr:        dq 0x58464958                      ; "XIFX": runner header magic
hdr_low:    dq 0
hdr_sel:    times 6 dq 0

section .text
global _start
_start:
    ; alternate signal stack and handlers
    mov eax, SYS_sigaltstack
    lea rdi, [altstack_t]
    xor esi, esi
    syscall
    test rax, rax
    jnz die
    lea rbx, [signals]
.sig:
    movzx edi, byte [rbx]
    test edi, edi
    jz .sigdone
    mov eax, SYS_rt_sigaction
    lea rsi, [sigact]
    xor edx, edx
    mov r10d, 8
    syscall
    test rax, rax
    jnz die
    inc rbx
    jmp .sig
.sigdone:
    ; code page (RWX) and data windows at fixed addresses
    mov rdi, CODE_BASE
    mov esi, CODE_SIZE
    mov edx, 7
    call map_fixed
    jnz die
    mov rdi, MAIN_BASE
    mov esi, MAIN_SIZE
    mov edx, 3
    call map_fixed
    jnz die
    mov rdi, LOW_BASE
    mov esi, LOW_SIZE
    mov edx, 3
    call map_fixed
    setz al
    movzx eax, al
    mov [low_ok], rax
    mov [hdr_low], rax
    ; header: which windows exist and the user segment selectors
    mov ax, cs
    mov [hdr_sel + 0], ax
    mov ax, ds
    mov [hdr_sel + 8], ax
    mov ax, es
    mov [hdr_sel + 16], ax
    mov ax, fs
    mov [hdr_sel + 24], ax
    mov ax, gs
    mov [hdr_sel + 32], ax
    mov ax, ss
    mov [hdr_sel + 40], ax
    lea rsi, [hdr]
    mov edx, 64
    call write_all
    ; initial image of the windows
    lea rsi, [template]
    mov edx, MAIN_SIZE + LOW_SIZE
    call read_all
    cmp rax, MAIN_SIZE + LOW_SIZE
    jne die

next_case:
    lea rsi, [rec]
    mov edx, REC_SIZE
    call read_all
    test rax, rax
    jz finish
    cmp rax, REC_SIZE
    jne die
    cld
    ; reset the windows
    lea rsi, [template]
    mov rdi, MAIN_BASE
    mov ecx, MAIN_SIZE
    rep movsb
    cmp qword [low_ok], 0
    je .nolow
    mov rdi, LOW_BASE
    mov ecx, LOW_SIZE
    rep movsb
.nolow:
    ; patches
    mov r12d, [rec + REC_NPATCH]
    lea rbx, [rec + REC_PATCHES]
.patch:
    test r12d, r12d
    jz .patched
    mov rdi, [rbx + PATCH_ADDR]
    mov ecx, [rbx + PATCH_LEN]
    lea rsi, [rbx + PATCH_BYTES]
    rep movsb
    add rbx, PATCH_SIZE
    dec r12d
    jmp .patch
.patched:
    ; snippet, then `jmp [rip+0]; dq after`
    lea rsi, [rec + REC_CODE]
    mov rdi, CODE_BASE
    mov ecx, [rec + REC_CODE_LEN]
    rep movsb
    mov word [rdi], 0x25ff
    mov dword [rdi + 2], 0
    mov rax, [after_ptr]
    mov [rdi + 6], rax
    mov qword [out + OUT_EXC], -1
    ; load the state: RFLAGS and the GPRs by popping the staging block
    mov [saved_rsp], rsp
    lea rsp, [rec + REC_STAGE]
    popfq
    pop_gprs64
    mov rsp, [rec + REC_RSP]
    jmp [code_ptr]

after:
    ; no instruction here may change a flag before pushfq
    mov [out + OUT_RSP], rsp
    lea rsp, [out + OUT_REGS + 16 * 8]
    pushfq
    push_gprs64
    mov rsp, [saved_rsp]
    jmp report

fault_resume:
    mov rsp, [saved_rsp]
    ; registers of a faulting case are not reported: the vector is the result
    lea rdi, [out + OUT_RSP]
    xor eax, eax
    mov ecx, 17
    cld
    rep stosq

report:
    cld
    ; qwords of the windows that differ from the initial image
    lea r8, [out + OUT_FIXED + 8]
    lea rsi, [template]
    mov rdi, MAIN_BASE
    mov ecx, MAIN_SIZE / 8
    call diff
    cmp qword [low_ok], 0
    je .nolow
    mov rdi, LOW_BASE
    mov ecx, LOW_SIZE / 8
    call diff
.nolow:
    lea rsi, [out]
    mov rdx, r8
    sub rdx, rsi
    mov rax, rdx
    sub rax, OUT_FIXED + 8
    shr rax, 4
    mov [out + OUT_FIXED], rax
    call write_all
    jmp next_case

; diff: rsi = initial image, rdi = window, ecx = qwords, r8 = output cursor
diff:
    mov rax, [rdi]
    cmp rax, [rsi]
    je .same
    mov [r8], rdi
    mov [r8 + 8], rax
    add r8, 16
.same:
    add rsi, 8
    add rdi, 8
    dec ecx
    jnz diff
    ret

; map_fixed: rdi = address, esi = length, edx = prot; ZF set on success
map_fixed:
    mov eax, SYS_mmap
    mov r10d, 0x32          ; MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    mov r8, -1
    xor r9d, r9d
    syscall
    cmp rax, rdi
    ret

; read_all: rsi = buffer, edx = length; returns bytes read in rax (short only at EOF)
read_all:
    push rbx
    xor ebx, ebx
.more:
    cmp rbx, rdx
    je .done
    push rdx
    push rsi
    mov eax, SYS_read
    xor edi, edi
    sub rdx, rbx
    add rsi, rbx
    syscall
    pop rsi
    pop rdx
    test rax, rax
    js die
    jz .done
    add rbx, rax
    jmp .more
.done:
    mov rax, rbx
    pop rbx
    ret

; write_all: rsi = buffer, rdx = length
write_all:
    test rdx, rdx
    jz .done
    mov eax, SYS_write
    mov edi, 1
    push rsi
    push rdx
    syscall
    pop rdx
    pop rsi
    test rax, rax
    jle die
    add rsi, rax
    sub rdx, rax
    jmp write_all
.done:
    ret

; handler(sig, info, ucontext): record the vector, resume at fault_resume
handler:
    mov rax, [rdx + UC_GREG(REG_TRAPNO)]
    mov [out + OUT_EXC], rax
    lea rax, [fault_resume]
    mov [rdx + UC_GREG(REG_RIP)], rax
    mov rax, [saved_rsp]
    mov [rdx + UC_GREG(REG_RSP)], rax
    ret

restorer:
    mov eax, SYS_rt_sigreturn
    syscall

finish:
    mov eax, SYS_exit_group
    xor edi, edi
    syscall

die:
    mov eax, SYS_exit_group
    mov edi, 3
    syscall

section .data
code_ptr:   dq CODE_BASE
