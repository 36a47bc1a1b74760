;! build out=pagefault.bin arch=x86_32 format=bin
; pagefault: every page-fault error-code combination of P, W, U, RSVD and I
; (PAE paging with EFER.NXE), from ring 0 and ring 3, with CR2 each time:
;   not present:   read, write, fetch, from either ring
;   protection:    ring-0 write to read-only with CR0.WP (and none without),
;                  ring-3 read/write of supervisor pages, ring-3 write to a
;                  read-only user page, fetches from NX pages, a ring-3
;                  fetch from a supervisor page
;   reserved bit:  a 2 MiB page with a reserved PDE bit (bit 13), read,
;                  write, fetch, from either ring
; and the accessed and dirty bits set by successful accesses.
%include "bare.inc"
%include "paging.inc"
%include "pagefault.inc"

%define TEST_VA     0x40000000      ; a page table of test pages lives here
%define NP_PAGE     (TEST_VA + 0 * 4096)    ; not present
%define SRO_PAGE    (TEST_VA + 1 * 4096)    ; supervisor, read-only
%define URO_PAGE    (TEST_VA + 2 * 4096)    ; user, read-only
%define SNX_PAGE    (TEST_VA + 3 * 4096)    ; supervisor, writable, NX
%define UNX_PAGE    (TEST_VA + 4 * 4096)    ; user, writable, NX
%define RSVD_VA     0x40200000              ; 2 MiB page with a reserved bit
%define OFF         0x123

test_main:
    call paging_build
    ; PD entry for TEST_VA -> pf_pt (user, writable: the PTEs decide)
    mov eax, pf_pt
    or eax, PTE_P | PTE_W | PTE_U
    mov [pd_tables + (TEST_VA >> 21) * 8], eax
    mov dword [pd_tables + (TEST_VA >> 21) * 8 + 4], 0
    ; PTEs, all to pf_data
    mov eax, pf_data
    mov dword [pf_pt + 0 * 8], 0
    lea edx, [eax + PTE_P]
    mov [pf_pt + 1 * 8], edx
    lea edx, [eax + PTE_P + PTE_U]
    mov [pf_pt + 2 * 8], edx
    lea edx, [eax + PTE_P + PTE_W]
    mov [pf_pt + 3 * 8], edx
    mov dword [pf_pt + 3 * 8 + 4], PTE_NX_HI
    lea edx, [eax + PTE_P + PTE_W + PTE_U]
    mov [pf_pt + 4 * 8], edx
    mov dword [pf_pt + 4 * 8 + 4], PTE_NX_HI
    ; a 2 MiB page at RSVD_VA with reserved bit 13 set
    mov dword [pd_tables + (RSVD_VA >> 21) * 8], 0x00200000 | PTE_P | PTE_W | PTE_U | PTE_PS | (1 << 13)
    ; the data page holds `int VEC_RETURN`, in case a fetch wrongly succeeds
    mov word [pf_data + OFF], 0x81cd

    call pae_enable
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    SAY "not present"
    SUP_READ  "ring 0 read, not present", NP_PAGE + OFF, 0x00
    SUP_WRITE "ring 0 write, not present", NP_PAGE + OFF, 0x02
    SUP_FETCH "ring 0 fetch, not present", NP_PAGE + OFF, 0x10
    USER_DO   "ring 3 read, not present", NP_PAGE + OFF, 0x04, user_read
    USER_DO   "ring 3 write, not present", NP_PAGE + OFF, 0x06, user_write
    USER_DO   "ring 3 fetch, not present", NP_PAGE + OFF, 0x14, user_fetch

    SAY "protection"
    SUP_WRITE "ring 0 write, read-only page, CR0.WP=1", SRO_PAGE + OFF, 0x03
    SUP_FETCH "ring 0 fetch, NX page", SNX_PAGE + OFF, 0x11
    USER_DO   "ring 3 read, supervisor page", SRO_PAGE + OFF, 0x05, user_read
    USER_DO   "ring 3 write, supervisor read-only page", SRO_PAGE + OFF, 0x07, user_write
    USER_DO   "ring 3 write, supervisor writable page", SNX_PAGE + OFF, 0x07, user_write
    USER_DO   "ring 3 write, user read-only page", URO_PAGE + OFF, 0x07, user_write
    USER_DO   "ring 3 fetch, user NX page", UNX_PAGE + OFF, 0x15, user_fetch
    USER_DO   "ring 3 fetch, supervisor page", SRO_PAGE + OFF, 0x15, user_fetch

    SAY "reserved bit"
    call rsvd_setup
    RSVD_ERR 0x8
    SUP_READ  "ring 0 read, reserved bit", RSVD_VA + OFF, [rsvd_err]
    RSVD_ERR 0xa
    SUP_WRITE "ring 0 write, reserved bit", RSVD_VA + OFF, [rsvd_err]
    RSVD_ERR 0x18
    SUP_FETCH "ring 0 fetch, reserved bit", RSVD_VA + OFF, [rsvd_err]
    RSVD_ERR 0xc
    USER_DO   "ring 3 read, reserved bit", RSVD_VA + OFF, [rsvd_err], user_read
    RSVD_ERR 0xe
    USER_DO   "ring 3 write, reserved bit", RSVD_VA + OFF, [rsvd_err], user_write
    RSVD_ERR 0x1c
    USER_DO   "ring 3 fetch, reserved bit", RSVD_VA + OFF, [rsvd_err], user_fetch

    SAY "accesses that succeed; accessed and dirty bits"
    ; ring 3 reads a user read-only page: no fault, PTE.A set, PTE.D clear
    mov ebx, URO_PAGE + OFF
    TRY .ur
    USER32 user_read
.ur:
    CHECK_FAULT "ring 3 read, user read-only page (no #PF)", VEC_RETURN, 0
    mov eax, [pf_pt + 2 * 8]
    and eax, PTE_A | PTE_D
    CHECK_EQ "accessed (not dirty) after a read", eax, PTE_A
    ; ring 0 writes a read-only page with CR0.WP=0: no fault, PTE.D set
    mov eax, cr0
    and eax, ~CR0_WP
    mov cr0, eax
    mov ebx, SRO_PAGE + OFF + 4
    TRY .sw
    mov dword [ebx], 0x5a5a5a5a
.sw:
    END_TRY
    CHECK_EQ "ring 0 write, read-only page, CR0.WP=0 (no #PF)", [fault_vector], NO_FAULT
    CHECK_EQ "the write went through", [pf_data + OFF + 4], 0x5a5a5a5a
    mov eax, [pf_pt + 1 * 8]
    and eax, PTE_A | PTE_D
    CHECK_EQ "accessed and dirty after a write", eax, PTE_A | PTE_D
    call pae_disable
    ret

section .bss
alignb 4096
pf_pt:   resb 4096
pf_data: resb 4096
section .text

%include "bare-end.inc"
