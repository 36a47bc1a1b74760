;! build out=seglimits.bin arch=x86_32 format=bin
; seglimits: segment limit and type checks on data accesses in protected
; mode, with the exception and error code (0):
;   expand-up data limits (byte and page granular), 16-bit addressing at the
;     end of a 64 KiB segment; #GP(0) past the limit
;   expand-down data with B=1 (valid up to 4 GiB) and B=0 (up to 0xffff)
;   a read-only data segment (reads and cmp work, writes fault), writes
;     through CS, reads through an execute-only CS; a null DS
;   string instructions through ES: STOSD and REP MOVSB stop at the limit
;   from ring 3 (the faults switch to the ring-0 stack, as a stack fault
;     must): PUSH, POP, CALL, RET, ENTER, LEAVE, PUSHAD past an expand-up
;     stack's limit and below an expand-down stack's limit: #SS(0), ESP
;     unchanged; a ring-3 data segment ending below 0xf5800000 (what emu32
;     gives a 32-bit PV kernel); IRETD to ring 3 nulls FS/GS holding DPL0
;     segments
; QEMU's TCG, the reference, checks no segment limits, types or null
; selectors on data accesses; on QEMU the kernel says so and accepts a
; missing fault (the accesses are placed so they touch only scratch memory
; or plant a return address for RET), so the printed lines are the same.
%include "bare.inc"

%define SMALL     SPARE0            ; data, DPL0, limit 0xfff, base scratch
%define RO_DATA   (SPARE0 + 8)      ; read-only data, DPL0, limit 0xffff
%define XO_CODE   (SPARE0 + 16)     ; code, execute-only, flat
%define EDOWN32   (SPARE0 + 24)     ; expand-down, B=1, limit 0xfff, base scratch - 0x1000
%define EDOWN16   (SPARE0 + 32)     ; expand-down, B=0, limit 0xfff, base scratch - 0x1000
%define USTACK    (SPARE0 + 40)     ; DPL3 stack, limit 0xfff, base scratch
%define UEDSTACK  (SPARE0 + 48)     ; DPL3 expand-down stack, B=1, limit 0x1fff, base scratch - 0x1000
%define UGUEST    (SPARE0 + 56)     ; DPL3 flat data ending at 0xf57fffff (page granular)
%define PAGE_DATA (SPARE0 + 64)     ; DPL0 data, limit 0x3fffff (page granular), base scratch - 0x3ff000
%define UCODE_LIM (SPARE0 + 72)     ; DPL3 32-bit code based at u_cs_base, limit u_cs_end - u_cs_base - 1

; TRY the ring-0 routine %2; expect vector %3, error 0 (QEMU: or no fault).
%macro KERNEL_SEG 3
    TRY %%r
    call %2
%%r:
    mov eax, %3
    call accept_qemu
    CHECK_FAULT %1, %3, 0
    mov ax, KDATA
    mov ds, ax
    mov es, ax
%endmacro

; TRY the ring-3 routine %2 with SS:ESP = %4:%5 and DS = ES = %6;
; expect vector %3, error 0 (QEMU: or no fault).
%macro USER_SEG 6
    TRY %%r
    push %4
    push %5
    pushfd
    push UCODE32
    push %2
    mov ax, %6
    mov ds, ax
    mov es, ax
    iretd
%%r:
    mov eax, %3
    call accept_qemu
    CHECK_FAULT %1, %3, 0
%endmacro

; TRY ring-3 code at offset %2 of the limited code segment UCODE_LIM;
; expect vector %3, error 0 (QEMU: or no fault).
%macro USER_CS 3
    TRY %%r
    push UDATA
    push user_stack_top
    pushfd
    push UCODE_LIM | 3
    push %2
    mov ax, UDATA
    mov ds, ax
    mov es, ax
    iretd
%%r:
    mov eax, %3
    call accept_qemu
    CHECK_FAULT %1, %3, 0
%endmacro

; The next check is architectural state QEMU cannot show (no fault): skip it there.
%macro UNLESS_QEMU 1
    cmp dword [on_qemu], 0
    jne %1
%endmacro

test_main:
    call is_qemu_tcg
    mov [on_qemu], eax
    test eax, eax
    jz .sdm
    SAY "note: on QEMU TCG, which checks no segment limits, types or null selectors on data accesses"
.sdm:
    call build_descriptors

    SAY "expand-up limits"
    KERNEL_SEG "a dword at the end of a 4 KiB segment", k_small_in, VEC_RETURN
    KERNEL_SEG "a dword one byte past it", k_small_out, 13
    KERNEL_SEG "a byte store at limit + 1", k_small_store, 13
    KERNEL_SEG "16-bit addressing: a word at 0xffff", k_a16_word, 13
    KERNEL_SEG "the last dword of a page-granular limit", k_page_in, VEC_RETURN
    KERNEL_SEG "a dword past a page-granular limit", k_page_out, 13

    SAY "expand-down limits"
    KERNEL_SEG "B=1: offset 0x1000 above limit 0xfff", k_ed32_in, VEC_RETURN
    KERNEL_SEG "B=1: offset 0xfff at the limit", k_ed32_at, 13
    KERNEL_SEG "B=1: the last dword below 4 GiB", k_ed32_top, VEC_RETURN
    KERNEL_SEG "B=1: a dword wrapping past 4 GiB", k_ed32_wrap, 13
    KERNEL_SEG "B=0: the last dword below 64 KiB", k_ed16_top, VEC_RETURN
    KERNEL_SEG "B=0: a dword past 0xffff", k_ed16_out, 13

    SAY "segment types and null selectors"
    KERNEL_SEG "read-only data: load and cmp", k_ro_read, VEC_RETURN
    KERNEL_SEG "read-only data: store", k_ro_write, 13
    KERNEL_SEG "read-only data: inc (read-modify-write)", k_ro_rmw, 13
    KERNEL_SEG "store through CS", k_cs_write, 13
    KERNEL_SEG "load through CS (readable code)", k_cs_read, VEC_RETURN
    KERNEL_SEG "load through an execute-only CS", k_xo_read, 13
    KERNEL_SEG "load through a null DS", k_null_ds, 13

    SAY "string instructions through ES"
    KERNEL_SEG "stosd across the ES limit", k_stosd, 13
    UNLESS_QEMU .skip_stos
    CHECK_EQ "stosd: EDI unchanged", [fault_pushad], 0xffe
.skip_stos:
    KERNEL_SEG "rep movsb into the ES limit", k_rep_movsb, 13
    UNLESS_QEMU .skip_movs
    CHECK_EQ "rep movsb: EDI at the limit", [fault_pushad], 0x1000
    CHECK_EQ "rep movsb: ECX what is left", [fault_ecx], 8
    CHECK_EQ "rep movsb: the bytes before the limit copied", [scratch + 0xffc], 0x44332211
.skip_movs:

    SAY "the stack, from ring 3"
    USER_SEG "push past the stack limit", u_push, 12, USTACK | 3, 0x1002, UDATA
    UNLESS_QEMU .s1
    CHECK_EQ "push: ESP unchanged", [fault_sp], 0x1002
.s1:
    USER_SEG "push within the stack limit", u_push, VEC_RETURN, USTACK | 3, 0x1000, UDATA
    USER_SEG "pop past the stack limit", u_pop, 12, USTACK | 3, 0xffe, UDATA
    USER_SEG "call past the stack limit", u_call, 12, USTACK | 3, 0x1002, UDATA
    mov dword [scratch + 0xffe], user_done          ; what RET pops where nothing faults
    USER_SEG "ret past the stack limit", u_ret, 12, USTACK | 3, 0xffe, UDATA
    USER_SEG "enter past the stack limit", u_enter, 12, USTACK | 3, 0x1004, UDATA
    UNLESS_QEMU .s2
    CHECK_EQ "enter: ESP unchanged", [fault_sp], 0x1004
.s2:
    USER_SEG "leave with EBP past the stack limit", u_leave, 12, USTACK | 3, 0x800, UDATA
    UNLESS_QEMU .s3
    CHECK_EQ "leave: ESP unchanged", [fault_sp], 0x800
.s3:
    USER_SEG "pushad past the stack limit", u_pushad, 12, USTACK | 3, 0x1010, UDATA
    USER_SEG "ss: operand past the stack limit", u_ss_load, 12, USTACK | 3, 0x800, UDATA
    USER_SEG "expand-down stack: push below the limit", u_push, 12, UEDSTACK | 3, 0x2002, UDATA
    USER_SEG "expand-down stack: push above the limit", u_push, VEC_RETURN, UEDSTACK | 3, 0x2004, UDATA

    SAY "a ring-3 data segment ending at 0xf57fffff"
    USER_SEG "a load within it", u_guest_in, VEC_RETURN, UDATA, user_stack_top, UGUEST | 3
    USER_SEG "a load at 0xf5800000", u_guest_hole, 13, UDATA, user_stack_top, UGUEST | 3
    USER_SEG "a dword straddling the limit", u_guest_straddle, 13, UDATA, user_stack_top, UGUEST | 3

    SAY "the code segment limit"
    USER_CS "an instruction that ends past the CS limit", u_cs_seq - u_cs_base, 13
    UNLESS_QEMU .c1
    CHECK_EQ "the fault is at that instruction", [fault_ip], u_cs_cross - u_cs_base
.c1:
    USER_CS "a jump to a target past the CS limit", u_cs_jmp - u_cs_base, 13
    UNLESS_QEMU .c2
    CHECK_EQ "the fault is at the jump", [fault_ip], u_cs_jmp - u_cs_base
.c2:
    USER_CS "code within the CS limit", u_cs_ok - u_cs_base, VEC_RETURN

    SAY "iretd to ring 3 nulls FS and GS holding ring-0 segments"
    TRY .fsgs
    USER32 u_read_fsgs
.fsgs:
    CHECK_FAULT "ring 3 reads FS and GS", VEC_RETURN, 0
    CHECK_EQ "FS after iretd to ring 3", [user_fs], 0
    CHECK_EQ "GS after iretd to ring 3", [user_gs], 0
    ret

; On QEMU a missing fault (the routine ended with int VEC_RETURN) counts as
; the expected vector (eax). Elsewhere the fault must really happen.
accept_qemu:
    cmp dword [on_qemu], 0
    je .done
    cmp dword [fault_vector], VEC_RETURN
    jne .done
    mov [fault_vector], eax
    mov dword [fault_error], 0
.done:
    ret

; eax base, ecx limit (20 bits), edx selector, bl access byte, bh flags (G=8, D/B=4)
set_desc:
    push ebx
    push ecx
    push edi
    lea edi, [gdt + edx]
    mov [edi], cx
    mov [edi + 2], ax
    push eax
    shr eax, 16
    mov [edi + 4], al
    mov [edi + 5], bl
    shr ecx, 16
    and cl, 0x0f
    shl bh, 4
    or cl, bh
    mov [edi + 6], cl
    mov [edi + 7], ah
    pop eax
    pop edi
    pop ecx
    pop ebx
    ret

build_descriptors:
    mov eax, scratch
    mov ecx, 0xfff
    mov edx, SMALL
    mov bx, 0x0492
    call set_desc
    mov ecx, 0xffff
    mov edx, RO_DATA
    mov bx, 0x0490
    call set_desc
    mov ecx, 0xfff
    mov edx, USTACK
    mov bx, 0x04f2
    call set_desc
    xor eax, eax
    mov ecx, 0xfffff
    mov edx, XO_CODE
    mov bx, 0x0c98
    call set_desc
    mov ecx, 0xf57ff
    mov edx, UGUEST
    mov bx, 0x0cf2
    call set_desc
    mov eax, scratch - 0x1000
    mov ecx, 0xfff
    mov edx, EDOWN32
    mov bx, 0x0496
    call set_desc
    mov edx, EDOWN16
    mov bx, 0x0096
    call set_desc
    mov ecx, 0x1fff
    mov edx, UEDSTACK
    mov bx, 0x04f6
    call set_desc
    mov eax, scratch - 0x3ff000
    mov ecx, 0x3ff
    mov edx, PAGE_DATA
    mov bx, 0x0c92
    call set_desc
    mov eax, u_cs_base
    mov ecx, u_cs_end - u_cs_base - 1
    mov edx, UCODE_LIM
    mov bx, 0x04fa                  ; DPL3 readable code, 32-bit, byte granular
    call set_desc
    ret

; ---- ring-0 routines: DS (or ES) is the segment under test ----
%macro WITH_DS 1
    mov ax, %1
    mov ds, ax
%endmacro
k_small_in:
    WITH_DS SMALL
    mov eax, [0xffc]
    int VEC_RETURN
k_small_out:
    WITH_DS SMALL
    mov eax, [0xffd]
    int VEC_RETURN
k_small_store:
    WITH_DS SMALL
    mov byte [0x1000], 1
    int VEC_RETURN
k_a16_word:
    WITH_DS RO_DATA
    mov bx, 0xffff
    mov ax, [bx]
    int VEC_RETURN
k_page_in:
    WITH_DS PAGE_DATA
    mov eax, [0x3ffffc]
    int VEC_RETURN
k_page_out:
    WITH_DS PAGE_DATA
    mov eax, [0x3ffffd]
    int VEC_RETURN
k_ed32_in:
    WITH_DS EDOWN32
    mov eax, [0x1000]
    int VEC_RETURN
k_ed32_at:
    WITH_DS EDOWN32
    mov al, [0xfff]
    int VEC_RETURN
k_ed32_top:
    WITH_DS EDOWN32
    mov eax, [0xfffffffc]
    int VEC_RETURN
k_ed32_wrap:
    WITH_DS EDOWN32
    mov eax, [0xfffffffe]
    int VEC_RETURN
k_ed16_top:
    WITH_DS EDOWN16
    mov eax, [0xfffc]
    int VEC_RETURN
k_ed16_out:
    WITH_DS EDOWN16
    mov eax, [0xfffd]
    int VEC_RETURN
k_ro_read:
    WITH_DS RO_DATA
    mov eax, [0x100]
    cmp [0x100], eax
    int VEC_RETURN
k_ro_write:
    WITH_DS RO_DATA
    mov [0x100], eax
    int VEC_RETURN
k_ro_rmw:
    WITH_DS RO_DATA
    inc dword [0x100]
    int VEC_RETURN
k_cs_write:
    mov eax, [cs:cs_word]
    mov [cs:cs_word], eax
    int VEC_RETURN
k_cs_read:
    mov eax, [cs:cs_word]
    int VEC_RETURN
k_xo_read:
    jmp XO_CODE:.in
.in:
    mov eax, [cs:cs_word]
    int VEC_RETURN
k_null_ds:
    xor eax, eax
    mov ds, ax
    mov eax, [scratch]
    int VEC_RETURN
k_stosd:
    mov ax, SMALL
    mov es, ax
    mov edi, 0xffe
    stosd
    int VEC_RETURN
k_rep_movsb:
    mov dword [scratch + 0x2000], 0x44332211
    mov dword [scratch + 0x2004], 0x88776655
    mov ax, SMALL
    mov es, ax
    mov esi, scratch + 0x1ffc
    mov edi, 0xff8
    mov ecx, 16
    rep movsb
    int VEC_RETURN
cs_word: dd 0x12345678

; ---- ring-3 routines (SS, DS, ES as USER_SEG set them) ----
u_push:
    push eax
    int VEC_RETURN
u_pop:
    pop eax
    int VEC_RETURN
u_call:
    call user_done
user_done:
    int VEC_RETURN
u_ret:
    ret
u_enter:
    enter 8, 0
    int VEC_RETURN
u_leave:
    mov ebp, 0x1000
    leave
    int VEC_RETURN
u_pushad:
    pushad
    int VEC_RETURN
u_ss_load:
    mov eax, [ss:0x1000]
    int VEC_RETURN
u_guest_in:
    mov eax, [scratch]
    int VEC_RETURN
u_guest_hole:
    mov eax, [0xf5800000]
    int VEC_RETURN
u_guest_straddle:
    mov eax, [0xf57ffffe]
    int VEC_RETURN
; Ring-3 code run through UCODE_LIM (based at u_cs_base, so offsets are
; from there; position-independent). The limit ends inside u_cs_cross; what
; lies past it only runs where the limit is not checked (QEMU).
u_cs_base:
u_cs_ok:
    int VEC_RETURN
u_cs_jmp:
    jmp short u_cs_far
u_cs_seq:
    nop
    nop
u_cs_cross:
    mov eax, 1                      ; 5 bytes: the limit ends after its first byte
u_cs_end equ u_cs_cross + 1
    int VEC_RETURN
u_cs_far:
    int VEC_RETURN

u_read_fsgs:
    mov ax, UDATA
    mov ds, ax
    xor eax, eax
    mov ax, fs
    mov [user_fs], eax
    mov ax, gs
    mov [user_gs], eax
    int VEC_RETURN

section .data
align 4
on_qemu: dd 0
user_fs: dd 0xffffffff
user_gs: dd 0xffffffff

section .bss nobits
alignb 4096
    resb 0x2000                     ; below scratch: what expand-down offsets near 4 GiB reach
scratch:
    resb 0x11000

%include "bare-end.inc"
