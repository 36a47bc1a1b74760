; Native fixture runner, i386 Linux user mode (also runs on x86-64 kernels
; with IA-32 emulation), no libc. Same protocol as runner64.asm: see there.
; The staging block holds EFLAGS then the dwords POPAD expects.
;
; Built with -DMODE16 it runs the snippets as 16-bit code: modify_ldt installs
; a 16-bit code segment based at CODE_BASE and a 16-bit data segment based at
; MAIN_BASE (64 KiB limits); DS, ES, FS and SS use the data segment while the
; snippet runs, which gives the same addresses as real mode with CS=0x1000
; and DS=ES=FS=SS=0x2000. GS stays flat: the runner reaches its own data
; through it before it can reload the other segment registers.

%include "layout.inc"

bits 32

%define SYS_exit_group   252
%define SYS_read         3
%define SYS_write        4
%define SYS_rt_sigreturn 173
%define SYS_rt_sigaction 174
%define SYS_sigaltstack  186
%define SYS_mmap2        192
%define SYS_modify_ldt   123

; LDT selectors (TI=1, RPL=3) of the 16-bit segments
%define SEL_CODE16 0x07
%define SEL_DATA16 0x0f

; ucontext_t (i386): uc_flags, uc_link, uc_stack (12 bytes), then sigcontext
%define UC_GREG(i) (20 + (i) * 4)
%define REG_ESP 7
%define REG_TRAPNO 12
%define REG_EIP 14
%define REG_GS 0
%define REG_FS 1
%define REG_ES 2
%define REG_DS 3
%define REG_CS 15
%define REG_SS 18

section .bss
alignb 16
altstack:   resb ALTSTACK_SIZE
rec:        resb REC_SIZE
out:        resb OUT_FIXED + 8 + (MAIN_SIZE + LOW_SIZE) / 8 * 16
template:   resb MAIN_SIZE + LOW_SIZE
saved_esp:  resd 1
low_ok:     resd 1
flat_cs:    resd 1
flat_ds:    resd 1
tmp_eax:    resd 1

section .data
sigact:     dd handler
            dd 0x04000000 | 0x08000000 | 4   ; SA_RESTORER | SA_ONSTACK | SA_SIGINFO
            dd restorer
            dd 0, 0                            ; mask
altstack_t: dd altstack, 0, ALTSTACK_SIZE
signals:    db 4, 5, 7, 8, 11, 0
after_ptr:  dd after
code_ptr:   dd CODE_BASE
ss16:       dw SEL_DATA16
hdr:        dd 0x58464958, 0
hdr_low:    dd 0, 0
hdr_sel:    times 12 dd 0
%ifdef MODE16
; struct user_desc: entry, base, limit, flags (seg_32bit=0; contents 2 = code)
ldt_code:   dd 0, CODE_BASE, 0xffff, 2 << 1
ldt_data:   dd 1, MAIN_BASE, 0xffff, 0
code_ptr16: dd 0
            dw SEL_CODE16
back_ptr:   dd after16
back_sel:   dw 0
%endif

section .text
global _start
_start:
    mov eax, SYS_sigaltstack
    mov ebx, altstack_t
    xor ecx, ecx
    int 0x80
    test eax, eax
    jnz die
    mov edi, signals
.sig:
    movzx ebx, byte [edi]
    test ebx, ebx
    jz .sigdone
    mov eax, SYS_rt_sigaction
    mov ecx, sigact
    xor edx, edx
    mov esi, 8
    int 0x80
    test eax, eax
    jnz die
    inc edi
    jmp .sig
.sigdone:
    mov ebx, CODE_BASE
    mov ecx, CODE_SIZE
    mov edx, 7
    call map_fixed
    jnz die
    mov ebx, MAIN_BASE
    mov ecx, MAIN_SIZE
    mov edx, 3
    call map_fixed
    jnz die
    mov ebx, LOW_BASE
    mov ecx, LOW_SIZE
    mov edx, 3
    call map_fixed
    setz al
    movzx eax, al
    mov [low_ok], eax
    mov [hdr_low], eax
    mov ax, cs
    mov [flat_cs], eax
    mov ax, ds
    mov [flat_ds], eax
%ifdef MODE16
    mov eax, SYS_modify_ldt
    mov ebx, 1
    mov ecx, ldt_code
    mov edx, 16
    int 0x80
    test eax, eax
    jnz die
    mov eax, SYS_modify_ldt
    mov ebx, 1
    mov ecx, ldt_data
    mov edx, 16
    int 0x80
    test eax, eax
    jnz die
    mov eax, [flat_cs]
    mov [back_sel], ax
    mov eax, [flat_ds]
    mov gs, ax
%endif
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
%ifdef MODE16
    mov word [hdr_sel + 0], SEL_CODE16
    mov word [hdr_sel + 8], SEL_DATA16
    mov word [hdr_sel + 16], SEL_DATA16
    mov word [hdr_sel + 24], SEL_DATA16
    mov word [hdr_sel + 40], SEL_DATA16
%endif
    mov ecx, hdr
    mov edx, 64
    call write_all
    mov ecx, template
    mov edx, MAIN_SIZE + LOW_SIZE
    call read_all
    cmp eax, MAIN_SIZE + LOW_SIZE
    jne die

next_case:
    mov ecx, rec
    mov edx, REC_SIZE
    call read_all
    test eax, eax
    jz finish
    cmp eax, REC_SIZE
    jne die
    cld
    mov esi, template
    mov edi, MAIN_BASE
    mov ecx, MAIN_SIZE
    rep movsb
    cmp dword [low_ok], 0
    je .nolow
    mov edi, LOW_BASE
    mov ecx, LOW_SIZE
    rep movsb
.nolow:
    mov ebp, [rec + REC_NPATCH]
    mov ebx, rec + REC_PATCHES
.patch:
    test ebp, ebp
    jz .patched
    mov edi, [ebx + PATCH_ADDR]
    mov ecx, [ebx + PATCH_LEN]
    lea esi, [ebx + PATCH_BYTES]
    rep movsb
    add ebx, PATCH_SIZE
    dec ebp
    jmp .patch
.patched:
    mov esi, rec + REC_CODE
    mov edi, CODE_BASE
    mov ecx, [rec + REC_CODE_LEN]
    rep movsb
%ifdef MODE16
    ; o32 jmp far flat_cs:after16
    mov word [edi], 0xea66
    mov eax, [back_ptr]
    mov [edi + 2], eax
    mov ax, [back_sel]
    mov [edi + 6], ax
%else
    ; jmp [after_ptr]
    mov word [edi], 0x25ff
    mov dword [edi + 2], after_ptr
%endif
    mov dword [out + OUT_EXC], -1
    mov dword [out + OUT_EXC + 4], -1
    mov [saved_esp], esp
%ifdef MODE16
    mov ax, SEL_DATA16
    mov es, ax
    mov fs, ax
    mov ds, ax
    mov esp, rec + REC_STAGE
    popfd
    popad
    mov ss, [gs:ss16]
    mov esp, [gs:rec + REC_RSP]
    jmp far [gs:code_ptr16]
%else
    mov esp, rec + REC_STAGE
    popfd
    popad
    mov esp, [rec + REC_RSP]
    jmp [code_ptr]
%endif

%ifdef MODE16
after16:
    ; only GS is flat here: save through it, then make the others flat
    mov [gs:out + OUT_RSP], esp
    mov [gs:tmp_eax], eax
    mov eax, [gs:flat_ds]
    mov ss, ax
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov eax, [tmp_eax]
    mov esp, out + OUT_REGS + 9 * 4
    pushfd
    pushad
    mov esp, [saved_esp]
    jmp report
%endif

after:
    mov [out + OUT_RSP], esp
    mov esp, out + OUT_REGS + 9 * 4
    pushfd
    pushad
    mov esp, [saved_esp]
    jmp report

fault_resume:
    mov esp, [saved_esp]
%ifdef MODE16
    mov eax, [flat_ds]
    mov ds, ax
    mov es, ax
    mov fs, ax
%endif
    mov edi, out + OUT_RSP
    xor eax, eax
    mov ecx, (OUT_FIXED - OUT_RSP) / 4
    cld
    rep stosd
    mov dword [out + OUT_EXC + 4], 0

report:
    cld
    mov dword [out + OUT_RSP + 4], 0
    mov edx, out + OUT_FIXED + 8
    mov esi, template
    mov edi, MAIN_BASE
    mov ecx, MAIN_SIZE / 8
    call diff
    cmp dword [low_ok], 0
    je .nolow
    mov edi, LOW_BASE
    mov ecx, LOW_SIZE / 8
    call diff
.nolow:
    mov ecx, out
    sub edx, ecx
    mov eax, edx
    sub eax, OUT_FIXED + 8
    shr eax, 4
    mov [out + OUT_FIXED], eax
    mov dword [out + OUT_FIXED + 4], 0
    call write_all
    jmp next_case

%include "diff32.inc"

; map_fixed: ebx = address, ecx = length, edx = prot; ZF set on success
map_fixed:
    push ebp
    push ebx
    mov eax, SYS_mmap2
    mov esi, 0x32
    mov edi, -1
    xor ebp, ebp
    int 0x80
    pop ebx
    pop ebp
    cmp eax, ebx
    ret

; read_all: ecx = buffer, edx = length; returns bytes read in eax
read_all:
    push esi
    push edi
    xor esi, esi
    mov edi, edx
.more:
    cmp esi, edi
    je .done
    mov eax, SYS_read
    xor ebx, ebx
    push ecx
    add ecx, esi
    mov edx, edi
    sub edx, esi
    int 0x80
    pop ecx
    test eax, eax
    js die
    jz .done
    add esi, eax
    jmp .more
.done:
    mov eax, esi
    pop edi
    pop esi
    ret

; write_all: ecx = buffer, edx = length
write_all:
    test edx, edx
    jz .done
    mov eax, SYS_write
    mov ebx, 1
    int 0x80
    test eax, eax
    jle die
    add ecx, eax
    sub edx, eax
    jmp write_all
.done:
    ret

handler:
    mov edx, [esp + 12]
    mov eax, [edx + UC_GREG(REG_TRAPNO)]
    mov [out + OUT_EXC], eax
    mov dword [out + OUT_EXC + 4], 0
    mov dword [edx + UC_GREG(REG_EIP)], fault_resume
    mov eax, [saved_esp]
    mov [edx + UC_GREG(REG_ESP)], eax
%ifdef MODE16
    ; resume in the flat segments: the snippet ran in the 16-bit ones
    mov eax, [flat_cs]
    mov [edx + UC_GREG(REG_CS)], eax
    mov eax, [flat_ds]
    mov [edx + UC_GREG(REG_SS)], eax
    mov [edx + UC_GREG(REG_DS)], eax
    mov [edx + UC_GREG(REG_ES)], eax
    mov [edx + UC_GREG(REG_FS)], eax
    mov [edx + UC_GREG(REG_GS)], eax
%endif
    ret

restorer:
    mov eax, SYS_rt_sigreturn
    int 0x80

finish:
    mov eax, SYS_exit_group
    xor ebx, ebx
    int 0x80

die:
    mov eax, SYS_exit_group
    mov ebx, 3
    int 0x80
