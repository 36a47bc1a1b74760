;! build out=tlb.bin arch=x86_32 format=bin
; tlb: what software may rely on about translation caching, and code that
; modifies itself (PAE paging). Only guaranteed behaviour is checked: a TLB
; may always drop an entry, so nothing here expects a stale translation.
;   after a PTE changes: INVLPG, a CR3 write (non-global pages), toggling
;     CR4.PGE (global pages) each make the new translation visible; INVLPG
;     flushes a global page too, and any address inside a 2 MiB page
;     flushes all of it
;   self-modifying code: a store into code that runs next takes effect,
;     also when the store goes through another virtual alias of the page
%include "bare.inc"
%include "paging.inc"

%define TEST_VA  0x40000000         ; 4 KiB pages, through tlb_pt
%define BIG_VA   0x40200000         ; a 2 MiB page
%define CODE_VA  0x40001000         ; the code page, executed here...
%define ALIAS_VA 0x40002000         ; ... and written through here
%define CR4_PGE  0x80

; the PTE for TEST_VA + %1 pages := physical %2 | flags %3
%macro SET_PTE 3
    mov eax, %2
    or eax, %3
    mov [tlb_pt + (%1) * 8], eax
%endmacro

test_main:
    call paging_build
    mov eax, tlb_pt
    or eax, PTE_P | PTE_W
    mov [pd_tables + (TEST_VA >> 21) * 8], eax
    mov dword [page_a], 0xaaaaaaaa
    mov dword [page_b], 0xbbbbbbbb
    SET_PTE 0, page_a, PTE_P | PTE_W
    SET_PTE 1, code_page, PTE_P | PTE_W
    SET_PTE 2, code_page, PTE_P | PTE_W
    call pae_enable

    SAY "invalidation after a PTE changes"
    mov eax, [TEST_VA]                  ; cache the translation
    CHECK_EQ "first translation", eax, 0xaaaaaaaa
    SET_PTE 0, page_b, PTE_P | PTE_W
    invlpg [TEST_VA]
    CHECK_EQ "INVLPG makes the new PTE visible", [TEST_VA], 0xbbbbbbbb
    SET_PTE 0, page_a, PTE_P | PTE_W
    mov eax, cr3
    mov cr3, eax
    CHECK_EQ "a CR3 write makes the new PTE visible", [TEST_VA], 0xaaaaaaaa

    SAY "global pages"
    mov eax, cr4
    or eax, CR4_PGE
    mov cr4, eax
    SET_PTE 0, page_a, PTE_P | PTE_W | PTE_G
    invlpg [TEST_VA]
    mov eax, [TEST_VA]
    CHECK_EQ "global translation", eax, 0xaaaaaaaa
    SET_PTE 0, page_b, PTE_P | PTE_W | PTE_G
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax
    or eax, CR4_PGE
    mov cr4, eax
    CHECK_EQ "toggling CR4.PGE flushes global pages", [TEST_VA], 0xbbbbbbbb
    SET_PTE 0, page_a, PTE_P | PTE_W | PTE_G
    invlpg [TEST_VA]
    CHECK_EQ "INVLPG flushes a global page", [TEST_VA], 0xaaaaaaaa
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax

    SAY "a 2 MiB page"
    mov dword [pd_tables + (BIG_VA >> 21) * 8], 0x00000000 | PTE_P | PTE_W | PTE_PS
    invlpg [BIG_VA]
    mov eax, [BIG_VA + page_a]          ; physical 0 + page_a
    CHECK_EQ "2 MiB page maps physical 0", eax, 0xaaaaaaaa
    mov dword [pd_tables + (BIG_VA >> 21) * 8], 0x00200000 | PTE_P | PTE_W | PTE_PS  ; now physical 2 MiB
    mov dword [0x00200000 + 0x1234], 0x12121212
    invlpg [BIG_VA + 0x1ff000]          ; another 4 KiB of the same 2 MiB page
    CHECK_EQ "INVLPG anywhere in a 2 MiB page flushes all of it", [BIG_VA + 0x1234], 0x12121212

    SAY "self-modifying code"
    mov esi, code_template
    mov edi, code_page
    mov ecx, code_template_end - code_template
    rep movsb
    mov eax, cr3
    mov cr3, eax
    call CODE_VA
    CHECK_EQ "the code as written", eax, 0x11111111
    mov dword [CODE_VA + 1], 0x22222222 ; the immediate of `mov eax, imm32`
    call CODE_VA
    CHECK_EQ "a store into code takes effect", eax, 0x22222222
    mov dword [ALIAS_VA + 1], 0x33333333
    call CODE_VA
    CHECK_EQ "a store through another alias takes effect", eax, 0x33333333
    ; in the same basic block: the store patches the next instruction
    call smc_inline
    CHECK_EQ "a store into the next instruction takes effect", eax, 0x44444444

    call pae_disable
    ret

code_template:
    mov eax, 0x11111111
    ret
code_template_end:

; Rewrites the immediate of the mov that follows, with no jump between:
; since the P6, a store to an instruction already fetched is detected and
; the instruction refetched.
smc_inline:
    mov dword [.imm + 1], 0x44444444
.imm:
    mov eax, 0x55555555
    ret

section .bss
alignb 4096
tlb_pt: resb 4096
page_a: resb 4096
page_b: resb 4096
code_page: resb 4096
section .text

%include "bare-end.inc"
