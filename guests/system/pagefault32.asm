;! build out=pagefault32.bin arch=x86_32 format=bin
; pagefault32: 32-bit (two-level) paging with 4 MiB pages (CR4.PSE):
;   page-fault error codes for not-present and protection faults from
;   ring 0 and ring 3, with CR2; without NX or SMEP an instruction fetch
;   leaves the I/D bit clear
;   CR0.WP: ring-0 writes to read-only pages fault only with WP set; ring-3
;   writes fault either way
;   a reserved bit (21) in a 4 MiB PDE sets RSVD
;   a 4 MiB page maps what it should; accessed and dirty bits in the PDE
;   and PTE
%include "bare.inc"
%include "paging.inc"
%include "pagefault.inc"

%define TEST_VA   0x40000000        ; a page table of 4 KiB test pages
%define NP_PAGE   (TEST_VA + 0 * 4096)
%define SRO_PAGE  (TEST_VA + 1 * 4096)
%define URO_PAGE  (TEST_VA + 2 * 4096)
%define ALIAS_VA  0x40400000        ; 4 MiB page -> physical 0
%define RSVD_VA   0x40800000        ; 4 MiB page with reserved bit 21
%define OFF       0x234
%define PDE(va)   (pd32 + ((va) >> 22) * 4)

test_main:
    ; identity map the first 64 MiB with 4 MiB pages, user and writable
    xor ecx, ecx
.identity:
    mov eax, ecx
    shl eax, 22
    or eax, PTE_P | PTE_W | PTE_U | PTE_PS
    mov [pd32 + ecx * 4], eax
    inc ecx
    cmp ecx, 16
    jb .identity
    mov eax, pt32
    or eax, PTE_P | PTE_W | PTE_U
    mov [PDE(TEST_VA)], eax
    mov dword [pt32 + 0 * 4], 0
    mov eax, pf32_data
    or eax, PTE_P
    mov [pt32 + 1 * 4], eax
    or eax, PTE_U
    mov [pt32 + 2 * 4], eax
    mov dword [PDE(ALIAS_VA)], PTE_P | PTE_W | PTE_PS
    mov dword [PDE(RSVD_VA)], PTE_P | PTE_W | PTE_U | PTE_PS | (1 << 21)
    mov dword [pf32_data + OFF], 0x81cd                     ; int VEC_RETURN

    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    mov eax, pd32
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax

    SAY "not present and protection faults"
    SUP_READ  "ring 0 read, not present", NP_PAGE + OFF, 0x00
    SUP_WRITE "ring 0 write, not present", NP_PAGE + OFF, 0x02
    SUP_FETCH "ring 0 fetch, not present (no I/D without NX)", NP_PAGE + OFF, 0x00
    USER_DO   "ring 3 read, not present", NP_PAGE + OFF, 0x04, user_read
    USER_DO   "ring 3 write, not present", NP_PAGE + OFF, 0x06, user_write
    USER_DO   "ring 3 fetch, not present (no I/D without NX)", NP_PAGE + OFF, 0x04, user_fetch
    SUP_WRITE "ring 0 write, read-only, CR0.WP=1", SRO_PAGE + OFF, 0x03
    USER_DO   "ring 3 read, supervisor page", SRO_PAGE + OFF, 0x05, user_read
    USER_DO   "ring 3 fetch, supervisor page", SRO_PAGE + OFF, 0x05, user_fetch
    USER_DO   "ring 3 write, user read-only page", URO_PAGE + OFF, 0x07, user_write
    USER_DO   "ring 3 write, supervisor 4 MiB page", ALIAS_VA + OFF, 0x07, user_write

    SAY "reserved bit in a 4 MiB page"
    call rsvd_setup
    RSVD_ERR 0x08
    SUP_READ  "ring 0 read, reserved bit", RSVD_VA + OFF, [rsvd_err]
    RSVD_ERR 0x0e
    USER_DO   "ring 3 write, reserved bit", RSVD_VA + OFF, [rsvd_err], user_write

    SAY "CR0.WP clear"
    mov eax, cr0
    and eax, ~CR0_WP
    mov cr0, eax
    USER_DO   "ring 3 write, user read-only page, CR0.WP=0", URO_PAGE + OFF, 0x07, user_write
    mov ebx, SRO_PAGE + OFF + 4
    TRY .sw
    mov dword [ebx], 0xa5a5a5a5
.sw:
    END_TRY
    CHECK_EQ "ring 0 write, read-only page, CR0.WP=0 (no #PF)", [fault_vector], NO_FAULT
    CHECK_EQ "the write went through", [pf32_data + OFF + 4], 0xa5a5a5a5
    mov eax, [pt32 + 1 * 4]
    and eax, PTE_A | PTE_D
    CHECK_EQ "PTE accessed and dirty after the write", eax, PTE_A | PTE_D
    mov eax, [PDE(TEST_VA)]
    and eax, PTE_A
    CHECK_EQ "PDE accessed", eax, PTE_A

    SAY "a 4 MiB page"
    mov eax, [ALIAS_VA + pf32_marker]
    CHECK_EQ "4 MiB page reads through to physical memory", eax, 0x600df00d
    mov eax, [PDE(ALIAS_VA)]
    and eax, PTE_A | PTE_D
    CHECK_EQ "4 MiB PDE accessed, not dirty, after a read", eax, PTE_A
    mov dword [ALIAS_VA + pf32_scratch], 1
    mov eax, [PDE(ALIAS_VA)]
    and eax, PTE_A | PTE_D
    CHECK_EQ "4 MiB PDE dirty after a write", eax, PTE_A | PTE_D

    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax
    ret

section .data
align 4
pf32_marker:  dd 0x600df00d
pf32_scratch: dd 0
section .bss
alignb 4096
pd32:      resb 4096
pt32:      resb 4096
pf32_data: resb 4096
section .text

%include "bare-end.inc"
