; QEMU fixture runner: a multiboot kernel (flat binary with the a.out kludge)
; that takes the native runners' input (the window image, then case records;
; see runner/layout.inc) as a multiboot module behind a 16-byte header whose
; first dword is the mode, and writes the native runners' output format to
; the debug console port 0xe9. It ends with isa-debug-exit (port 0xf4).
;
; Mode 16: every snippet runs in real mode with CS=0x1000 and
; DS=ES=FS=GS=SS=0x2000. Mode 32: in flat 32-bit protected mode at CPL 0
; (CS=0x08, the rest 0x10), for what user mode may not do. Mode 64: in long
; mode at CPL 0 (CS=0x28, the rest 0x10), the first GiB identity-mapped; the
; cases are prepared and reported in compatibility mode (CS=0x08).
;
; The protected-mode part runs at 1 MiB; the real-mode part (and every byte
; it touches) is copied to RM_BASE, below 1 MiB, where real mode reaches it.
; Exceptions raised by a snippet land in IVT stubs that record the vector.

%include "layout.inc"
%include "gpr64.inc"

%define KERNEL_BASE 0x100000
%define RM_BASE     0x40000
%define RM_SEG      (RM_BASE >> 4)
%define DIFF_BUF    0x300000
%define PM_STACK    0x2f0000
%define SNIP_CS     (CODE_BASE >> 4)
%define SNIP_DS     (MAIN_BASE >> 4)
%define R(x)        ((x) - RM_BASE)
%define STUB_SIZE   16
%define PAGE_TABLES 0x70000             ; PML4, PDPT, PD: 3 pages below RM_BASE's reach
%define CS64        0x28

%macro load_flat_segments 0
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
%endmacro

%define MB_MAGIC 0x1BADB002
%define MB_FLAGS 0x00010000

bits 32
section .text start=KERNEL_BASE
mb_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd mb_header, KERNEL_BASE, load_end, load_end, start

start:
    cli
    mov esp, PM_STACK
    mov esi, [ebx + 24]             ; mbi->mods_addr
    mov eax, [esi]
    mov [mod_ptr], eax
    mov eax, [esi + 4]
    mov [mod_end], eax
    ; the real-mode part goes below 1 MiB
    mov esi, section..rm.start
    mov edi, RM_BASE
    mov ecx, rm_end - RM_BASE
    cld
    rep movsb
    lgdt [gdtr]
    jmp 0x08:.flush
.flush:
    load_flat_segments
    ; no interrupt may arrive while snippets run with IF set
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    ; real-mode IVT: vectors 0-31 to the stubs
    xor ecx, ecx
.ivt:
    mov eax, ecx
    imul eax, STUB_SIZE
    add eax, R(stubs)
    mov [ecx * 4], ax
    mov word [ecx * 4 + 2], RM_SEG
    inc ecx
    cmp ecx, 32
    jb .ivt
    ; protected-mode IDT: vectors 0-31 to the stubs
    xor ecx, ecx
.idt:
    mov eax, ecx
    shl eax, 4
    add eax, pm_stubs
    mov [pm_idt + ecx * 8], ax
    mov word [pm_idt + ecx * 8 + 2], 0x08
    mov word [pm_idt + ecx * 8 + 4], 0x8e00
    shr eax, 16
    mov [pm_idt + ecx * 8 + 6], ax
    inc ecx
    cmp ecx, 32
    jb .idt
    lidt [pm_idtr]
    ; header: magic, LOW window present, the snippet's segment values
    mov eax, [mod_ptr]
    cmp dword [eax], 16
    jne .hdr32
    mov dword [hdr_sel + 0], SNIP_CS
    mov dword [hdr_sel + 8], SNIP_DS
    mov dword [hdr_sel + 16], SNIP_DS
    mov dword [hdr_sel + 24], SNIP_DS
    mov dword [hdr_sel + 32], SNIP_DS
    mov dword [hdr_sel + 40], SNIP_DS
    jmp .hdr
.hdr32:
    mov dword [hdr_sel + 0], 0x08
    cmp dword [eax], 64
    jne .cs32
    mov dword [hdr_sel + 0], CS64
.cs32:
    mov dword [hdr_sel + 8], 0x10
    mov dword [hdr_sel + 16], 0x10
    mov dword [hdr_sel + 24], 0x10
    mov dword [hdr_sel + 32], 0x10
    mov dword [hdr_sel + 40], 0x10
.hdr:
    mov esi, hdr
    mov ecx, 64
    call emit
    ; the window image leads the module
    mov eax, [mod_ptr]
    mov edx, [eax]
    mov [run_mode], edx
    add eax, 16
    mov [template], eax
    add eax, MAIN_SIZE + LOW_SIZE
    mov [mod_ptr], eax
    cmp dword [run_mode], 64
    jne next_case
    call enter_long_mode

next_case:
    mov ebx, [mod_ptr]
    lea eax, [ebx + REC_SIZE]
    cmp eax, [mod_end]
    ja finish
    mov [mod_ptr], eax
    cld
    mov esi, [template]
    mov edi, MAIN_BASE
    mov ecx, MAIN_SIZE
    rep movsb
    mov edi, LOW_BASE
    mov ecx, LOW_SIZE
    rep movsb
    ; patches
    mov ebp, [ebx + REC_NPATCH]
    lea edx, [ebx + REC_PATCHES]
.patch:
    test ebp, ebp
    jz .patched
    mov edi, [edx + PATCH_ADDR]
    mov ecx, [edx + PATCH_LEN]
    lea esi, [edx + PATCH_BYTES]
    rep movsb
    add edx, PATCH_SIZE
    dec ebp
    jmp .patch
.patched:
    ; snippet, then a far jump back: RM_SEG:back16 or 0x08:back32
    lea esi, [ebx + REC_CODE]
    mov edi, CODE_BASE
    mov ecx, [ebx + REC_CODE_LEN]
    rep movsb
    cmp dword [run_mode], 64
    je .back64
    mov byte [edi], 0xea
    cmp dword [run_mode], 32
    je .back32
    mov word [edi + 1], R(back16)
    mov word [edi + 3], RM_SEG
    jmp .appended
.back32:
    mov dword [edi + 1], back32
    mov word [edi + 5], 0x08
    jmp .appended
.back64:
    ; jmp [rip+0]; dq back64
    mov word [edi], 0x25ff
    mov dword [edi + 2], 0
    mov dword [edi + 6], back64
    mov dword [edi + 10], 0
.appended:
    ; staging block (EFLAGS, POPAD block) and the stack pointer
    lea esi, [ebx + REC_STAGE]
    mov edi, stage
    mov ecx, 9 * 4
    rep movsb
    mov eax, [ebx + REC_RSP]
    mov [esp_in], eax
    mov [rsp_in64], eax
    mov eax, [ebx + REC_RSP + 4]
    mov [rsp_in64 + 4], eax
    mov [cur_rec], ebx
    mov dword [out + OUT_EXC], -1
    mov dword [out + OUT_EXC + 4], -1
    mov [saved_esp], esp
    cmp dword [run_mode], 32
    je .pm32
    cmp dword [run_mode], 64
    je .lm64
    jmp 0x18:R(to_real)
.lm64:
    jmp CS64:run64
.pm32:
    mov esp, stage
    popfd
    popad
    mov esp, [esp_in]
    jmp CODE_BASE

back32:
    mov [out + OUT_RSP], esp
    mov esp, out + OUT_REGS + 9 * 4
    pushfd
    pushad
    jmp pm_back

pm_exc_common:
    mov dword [out + OUT_EXC + 4], 0
    jmp pm_back

; one stub per vector, 16 bytes each
align 16
pm_stubs:
%assign v 0
%rep 32
pm_stub_%+v:
    mov dword [out + OUT_EXC], v
    jmp near pm_exc_common
    times 16 - ($ - pm_stub_%+v) nop
%assign v v + 1
%endrep

pm_back:
    load_flat_segments
    mov esp, [saved_esp]
    mov eax, [cur_idtr]
    lidt [eax]
    cld
    cmp dword [out + OUT_EXC], -1
    je .ran
    mov edi, out + OUT_RSP
    xor eax, eax
    mov ecx, (OUT_FIXED - OUT_RSP) / 4
    rep stosd
    mov dword [out + OUT_EXC + 4], 0
.ran:
    cmp dword [run_mode], 64
    je .wide
    mov dword [out + OUT_RSP + 4], 0
.wide:
    ; fixed part of the record
    mov esi, out
    mov ecx, OUT_FIXED
    call emit
    ; window qwords that differ from the image
    mov edx, DIFF_BUF
    mov esi, [template]
    mov edi, MAIN_BASE
    mov ecx, MAIN_SIZE / 8
    call diff
    mov edi, LOW_BASE
    mov ecx, LOW_SIZE / 8
    call diff
    mov eax, edx
    sub eax, DIFF_BUF
    shr eax, 4
    mov [count], eax
    mov dword [count + 4], 0
    push edx
    mov esi, count
    mov ecx, 8
    call emit
    pop ecx
    sub ecx, DIFF_BUF
    mov esi, DIFF_BUF
    call emit
    jmp next_case

%include "diff32.inc"

; emit: esi = bytes, ecx = length, to the debug console
emit:
    push edx
    mov dx, 0xe9
    rep outsb
    pop edx
    ret

; Long mode, entered once: identity-map the first GiB with 2 MiB pages,
; enable PAE, LME and paging (this code keeps running in compatibility mode),
; and use the 64-bit IDT from now on.
enter_long_mode:
    mov edi, PAGE_TABLES
    mov ecx, 3 * 4096 / 4
    xor eax, eax
    rep stosd
    mov dword [PAGE_TABLES], PAGE_TABLES + 0x1000 + 3
    mov dword [PAGE_TABLES + 0x1000], PAGE_TABLES + 0x2000 + 3
    xor ecx, ecx
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [PAGE_TABLES + 0x2000 + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pd
    ; 64-bit interrupt gates to the 64-bit stubs
    xor ecx, ecx
.gate:
    mov eax, ecx
    shl eax, 4
    add eax, lm_stubs
    mov edi, ecx
    shl edi, 4
    add edi, idt64
    mov [edi], ax
    mov word [edi + 2], CS64
    mov word [edi + 4], 0x8e00
    shr eax, 16
    mov [edi + 6], ax
    inc ecx
    cmp ecx, 32
    jb .gate
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, PAGE_TABLES
    mov cr3, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, 1 << 8
    wrmsr
    mov eax, cr0
    or eax, 1 << 31
    mov cr0, eax
    mov dword [cur_idtr], idtr64
    lidt [idtr64]
    ret

bits 64
run64:
    mov esp, [abs cur_rec]
    add rsp, REC_STAGE
    popfq
    pop_gprs64
    mov rsp, [abs rsp_in64]
    jmp CODE_BASE

back64:
    mov [abs out + OUT_RSP], rsp
    mov esp, out + OUT_REGS + 16 * 8
    pushfq
    push_gprs64
to_compat:
    ; jmp far [compat_ptr] (m16:32, no REX.W)
    db 0xff, 0x2c, 0x25
    dd compat_ptr

lm_exc_common:
    mov dword [abs out + OUT_EXC + 4], 0
    jmp to_compat

align 16
lm_stubs:
%assign v 0
%rep 32
lm_stub_%+v:
    mov dword [abs out + OUT_EXC], v
    jmp near lm_exc_common
    times 16 - ($ - lm_stub_%+v) nop
%assign v v + 1
%endrep
bits 32

finish:
    mov al, 0
    out 0xf4, al
.halt:
    hlt
    jmp .halt

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08 code32 flat
    dq 0x00cf92000000ffff               ; 0x10 data32 flat
    dq 0x00009a040000ffff               ; 0x18 code16, base RM_BASE
    dq 0x000092000000ffff               ; 0x20 data16, base 0
    dq 0x00af9a000000ffff               ; 0x28 code64
gdtr:
    dw 6 * 8 - 1
    dd gdt

pm_idtr:
    dw 32 * 8 - 1
    dd pm_idt
align 8
pm_idt:     times 32 dq 0

idtr64:
    dw 32 * 16 - 1
    dd idt64
align 16
idt64:      times 32 dq 0, 0
compat_ptr: dd pm_back
            dw 0x08

align 4
cur_idtr:   dd pm_idtr
cur_rec:    dd 0
rsp_in64:   dq 0
run_mode:   dd 0
mod_ptr:    dd 0
mod_end:    dd 0
template:   dd 0
saved_esp:  dd 0
count:      dq 0
hdr:        dq 0x58464958, 1
hdr_sel:    times 6 dq 0

; ---------------------------------------------------------------------------
section .rm vstart=RM_BASE follows=.text align=16
bits 16
to_real:
    ; 16-bit protected mode: real-mode limits, then leave protected mode
    mov ax, 0x20
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp RM_SEG:R(rm_entry)
rm_entry:
    lidt [cs:R(rm_idtr)]
    mov ds, [cs:R(seg_snip_ds)]
    mov es, [cs:R(seg_snip_ds)]
    mov fs, [cs:R(seg_snip_ds)]
    mov gs, [cs:R(seg_snip_ds)]
    mov ss, [cs:R(seg_rm)]
    mov esp, R(stage)
    popfd
    popad
    mov ss, [cs:R(seg_snip_ds)]
    mov esp, [cs:R(esp_in)]
    jmp SNIP_CS:0

back16:
    mov [cs:R(out + OUT_RSP)], esp
    mov ss, [cs:R(seg_rm)]
    mov esp, R(out + OUT_REGS + 9 * 4)
    pushfd
    pushad
    jmp to_pm

exc_common:
    mov dword [cs:R(out + OUT_EXC + 4)], 0
    mov ss, [cs:R(seg_rm)]
    mov esp, R(rm_stack_top)
to_pm:
    cli
    lgdt [cs:R(gdtr_rm)]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:pm_back

; one stub per vector, STUB_SIZE bytes each: record the vector, then leave
stubs:
%assign v 0
%rep 32
stub_%+v:
    mov dword [cs:R(out + OUT_EXC)], v
    jmp near exc_common
    times STUB_SIZE - ($ - stub_%+v) nop
%assign v v + 1
%endrep

align 4
rm_idtr:    dw 0x3ff
            dd 0
gdtr_rm:    dw 6 * 8 - 1
            dd gdt
seg_snip_ds: dw SNIP_DS
seg_rm:     dw RM_SEG
esp_in:     dd 0
stage:      times 9 dd 0
align 16
out:        times OUT_FIXED dq 0
rm_stack:   times 256 db 0
rm_stack_top:
rm_end:

section .end follows=.rm
load_end:
