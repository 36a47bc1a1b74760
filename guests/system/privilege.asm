;! build out=privilege.bin arch=x86_32 format=bin
; privilege: protection checks on segment loads, gates and privileged
; instructions, with the exact exception and error code:
;   #GP(sel) for a data segment above CPL (ring 3 loading a DPL0 segment),
;     an SS with the wrong privilege, a code segment in SS, a selector
;     beyond the GDT limit, a far jump from ring 3 into ring 0
;   #NP(sel) / #SS(sel) for not-present data and stack segments
;   (QEMU's TCG, the reference, checks neither segment limits nor the null
;   selector on data accesses, so those faults are not tested here.)
;   #GP(vec*8+2) for `int n` through a DPL0 gate from ring 3 and for a
;     vector beyond the IDT limit; #NP(vec*8+2) for a not-present gate
;   #GP(0) for hlt, cli, mov from CR0, lgdt, rdmsr in ring 3; #GP(sel)
;     for iret from ring 3 to ring 0; int3 from ring 3 traps
;   sgdt/sidt/smsw/str work in ring 3 (no UMIP)
;   #GP(sel) for ltr of a data segment or of the busy TSS, lldt of a code
;     segment; #GP(0) for a null SS in ring 0
;   lar/lsl/verr/verw answers from ring 0 and ring 3
%include "bare.inc"

%define NP_DATA   SPARE0            ; not-present data segment
%define SMALL     (SPARE0 + 8)      ; data segment, limit 0xfff
%define XO_CODE   (SPARE0 + 24)     ; execute-only code segment
%define BEYOND    0x200             ; beyond the GDT limit

; TRY ring-3 code %2; expect vector %3, error %4
%macro USER_FAULT 4
    TRY %%r
    USER32 %2
%%r:
    CHECK_FAULT %1, %3, %4
%endmacro

; TRY the ring-0 routine %2; expect vector %3, error %4
%macro KERNEL_FAULT 4
    TRY %%r
    call %2
%%r:
    CHECK_FAULT %1, %3, %4
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
%endmacro

test_main:
    mov dword [gdt + NP_DATA], 0x0000ffff
    mov dword [gdt + NP_DATA + 4], 0x00cf1200       ; P=0, DPL0, data rw
    mov dword [gdt + SMALL], 0x00000fff
    mov dword [gdt + SMALL + 4], 0x00409200         ; byte granular, limit 0xfff
    mov dword [gdt + XO_CODE], 0x0000ffff
    mov dword [gdt + XO_CODE + 4], 0x00cf9800       ; code, execute-only

    SAY "segment loads"
    USER_FAULT "ring 3 loads a DPL0 data segment into DS", user_load_kdata, 13, KDATA
    USER_FAULT "ring 3 loads a DPL0 segment into SS", user_load_kss, 13, KDATA
    USER_FAULT "ring 3 far jump to ring 0 code", user_jmp_kernel, 13, KCODE32
    KERNEL_FAULT "not-present data segment into DS", k_np_ds, 11, NP_DATA
    KERNEL_FAULT "not-present segment into SS", k_np_ss, 12, NP_DATA
    mov ax, KDATA
    mov ss, ax
    KERNEL_FAULT "code segment into SS", k_code_ss, 13, KCODE32
    KERNEL_FAULT "execute-only code segment into DS", k_xo_ds, 13, XO_CODE
    KERNEL_FAULT "selector beyond the GDT limit", k_beyond_gdt, 13, BEYOND
    mov ax, KDATA
    mov ss, ax

    SAY "gates"
    USER_FAULT "ring 3 int through a DPL0 gate", user_int40, 13, 0x40 * 8 + 2
    mov ecx, 0x41
    mov eax, exc_stub_0
    mov bl, GATE_INT32 & 0x7f                      ; not present
    call idt32_set_gate
    KERNEL_FAULT "int through a not-present gate", k_int_np_gate, 11, 0x41 * 8 + 2
    mov word [idt32_desc], 0x50 * 8 - 1
    lidt [idt32_desc]
    KERNEL_FAULT "int beyond the IDT limit", k_int_beyond_idt, 13, 0x60 * 8 + 2
    mov word [idt32_desc], 256 * 8 - 1
    lidt [idt32_desc]

    SAY "privileged instructions in ring 3"
    USER_FAULT "hlt in ring 3", user_hlt, 13, 0
    USER_FAULT "cli in ring 3 with IOPL 0", user_cli, 13, 0
    USER_FAULT "mov from CR0 in ring 3", user_cr0, 13, 0
    USER_FAULT "lgdt in ring 3", user_lgdt, 13, 0
    USER_FAULT "rdmsr in ring 3", user_rdmsr, 13, 0
    USER_FAULT "iret from ring 3 to ring 0", user_iret_up, 13, KCODE32
    USER_FAULT "int3 from ring 3 (a DPL3 gate: a trap)", user_int3, 3, 0
    CHECK_EQ "int3 reports the address after it", [fault_ip], user_int3.after
    TRY .store
    USER32 user_store_tables
.store:
    CHECK_FAULT "sgdt, sidt, smsw, str in ring 3 without UMIP", VEC_RETURN, 0
    movzx eax, word [user_gdtr]
    CHECK_EQ "ring 3 sgdt: limit", eax, GDT_ENTRIES * 8 - 1
    CHECK_EQ "ring 3 sgdt: base", [user_gdtr + 2], gdt
    CHECK_EQ "ring 3 sidt: base", [user_idtr + 2], idt32
    CHECK_EQ "ring 3 smsw: PE", [user_msw], 1
    CHECK_EQ "ring 3 str", [user_tr], TSS_SEL

    SAY "system segment loads"
    KERNEL_FAULT "ltr of a data segment", k_ltr_data, 13, KDATA
    KERNEL_FAULT "lldt of a code segment", k_lldt_code, 13, KCODE32
    KERNEL_FAULT "ltr of the busy TSS", k_ltr_busy, 13, TSS_SEL
    KERNEL_FAULT "null selector into SS in ring 0", k_null_ss, 13, 0
    mov ax, KDATA
    mov ss, ax

    SAY "lar, lsl, verr, verw"
    mov eax, 0xffffffff
    lar eax, [lar_sel_kcode]
    CHECK_EQ "lar of the kernel code segment (access rights)", eax, 0x00c09b00
    lsl eax, [lar_sel_small]
    CHECK_EQ "lsl of a byte-granular segment", eax, 0xfff
    lsl eax, [lar_sel_kcode]
    CHECK_EQ "lsl of a page-granular segment", eax, 0xffffffff
    mov ax, XO_CODE
    verr ax
    setz al
    movzx eax, al
    CHECK_EQ "verr of an execute-only segment fails", eax, 0
    mov ax, KCODE32
    verw ax
    setz al
    movzx eax, al
    CHECK_EQ "verw of a code segment fails", eax, 0
    mov ax, KDATA
    verw ax
    setz al
    movzx eax, al
    CHECK_EQ "verw of a data segment succeeds", eax, 1
    TRY .u_lar
    USER32 user_lar
.u_lar:
    END_TRY
    CHECK_EQ "ring 3 lar of a DPL0 segment fails (ZF clear)", [user_lar_zf], 0
    CHECK_EQ "ring 3 lar of a DPL3 segment succeeds", [user_lar_zf3], 1
    ret

; ring-0 routines that should fault
k_np_ds:
    mov ax, NP_DATA
    mov ds, ax
    int VEC_RETURN
k_np_ss:
    mov bx, ss
    mov ax, NP_DATA
    mov ss, ax
    int VEC_RETURN
k_code_ss:
    mov ax, KCODE32
    mov ss, ax
    int VEC_RETURN
k_xo_ds:
    mov ax, XO_CODE
    mov ds, ax
    int VEC_RETURN
k_beyond_gdt:
    mov ax, BEYOND
    mov ds, ax
    int VEC_RETURN
k_int_np_gate:
    int 0x41
    int VEC_RETURN
k_int_beyond_idt:
    int 0x60
    int VEC_RETURN

k_ltr_data:
    mov ax, KDATA
    ltr ax
    int VEC_RETURN
k_lldt_code:
    mov ax, KCODE32
    lldt ax
    int VEC_RETURN
k_ltr_busy:
    mov ax, TSS_SEL
    ltr ax
    int VEC_RETURN
k_null_ss:
    xor eax, eax
    mov ss, ax
    int VEC_RETURN

user_iret_up:
    pushfd
    pop eax
    push dword KDATA
    push esp
    push eax
    push dword KCODE32
    push dword user_iret_up
    iretd
user_int3:
    int3
.after:
    int VEC_RETURN
user_store_tables:
    sgdt [user_gdtr]
    sidt [user_idtr]
    smsw eax
    and eax, 1
    mov [user_msw], eax
    str eax
    mov [user_tr], eax
    int VEC_RETURN

user_load_kdata:
    mov ax, KDATA
    mov ds, ax
    int VEC_RETURN
user_load_kss:
    mov ax, KDATA | 3
    mov ss, ax
    int VEC_RETURN
user_jmp_kernel:
    jmp KCODE32:user_jmp_kernel
user_int40:
    int 0x40
    int VEC_RETURN
user_hlt:
    hlt
    int VEC_RETURN
user_cli:
    cli
    int VEC_RETURN
user_cr0:
    mov eax, cr0
    int VEC_RETURN
user_lgdt:
    lgdt [gdt_desc]
    int VEC_RETURN
user_rdmsr:
    mov ecx, 0xc0000080
    rdmsr
    int VEC_RETURN
user_lar:
    mov ax, KDATA
    lar ebx, ax
    setz al
    movzx eax, al
    mov [user_lar_zf], eax
    mov ax, UDATA
    lar ebx, ax
    setz al
    movzx eax, al
    mov [user_lar_zf3], eax
    int VEC_RETURN

section .data
lar_sel_kcode: dw KCODE32
lar_sel_small: dw SMALL
align 4
user_gdtr: dw 0
    dd 0
user_idtr: dw 0
    dd 0
user_msw: dd 0
user_tr: dd 0
user_lar_zf:  dd 0xff
user_lar_zf3: dd 0xff
section .text

%include "bare-end.inc"
