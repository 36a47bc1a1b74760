; grants: the grant-table operations a domU makes. query_size before and
; after setup_table; setup_table hands back the table's frames, which the
; guest maps; set_version(1) and get_version; a grant of one of our pages
; to domain 0, read-write and read-only, written the way a frontend does
; (domid and frame first, flags last) and ended with a compare-and-swap
; that proves no backend holds it. Bad arguments: more frames than the
; maximum (GNTST_general_error), another domain's table (the host's:
; GNTST_permission_denied; one that does not exist: GNTST_bad_domain,
; -ESRCH), a count other than 1 (-EINVAL). The host-side map of such a
; grant is test/host/grant-backend.test.ts. A domU-only guest.
;
;! build out=grants-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=grants-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"

; The first reference after the ones the toolstack keeps (GNTTAB_NR_RESERVED_ENTRIES).
%define GREF 8
%define NO_SUCH_DOMAIN 12345
; A GNTST code as the 32-bit value of the sign-extended int16 status.
%define ST(x) ((x) & 0xffffffff)
%define FRAME_LIST_MAX (4096 / WORD_BYTES)

; grant_table_op(cmd %1, &%2, count %3) -> eax
%macro GNTTAB 3
  mov ARG1, %1
  lea ARG2, [%2]
  mov ARG3, %3
  HYPERCALL grant_table_op
%endmacro

; The status of a structure: its int16 sign-extended into eax.
%macro STATUS 1
  movsx eax, word [%1]
%endmacro

; query_size of domain %1 -> eax = the call's result.
%macro QUERY 1
  mov word [query + gnttab_query_size_dom], %1
  mov dword [query + gnttab_query_size_status], 0x5555
  GNTTAB GNTTABOP_query_size, query, 1
%endmacro

; setup_table of %2 frames for domain %1 -> eax = the call's result.
%macro SETUP 2
  mov word [setup + gnttab_setup_table_dom], %1
  mov eax, %2
  mov [setup + gnttab_setup_table_nr_frames], eax
  mov WORD_PTR [setup + gnttab_setup_table_frame_list], frame_list
  mov word [setup + gnttab_setup_table_status], 0x5555
  GNTTAB GNTTABOP_setup_table, setup, 1
%endmacro

section .text
test_main:
  ; --- the table's size before it is set up ---
  QUERY DOMID_SELF
  CHECK_EQ eax, 0, "GNTTABOP_query_size"
  STATUS query + gnttab_query_size_status
  CHECK_EQ eax, ST(GNTST_okay), "query_size status"
  mov eax, [query + gnttab_query_size_max_nr_frames]
  CHECK_NE eax, 0, "max_nr_frames is 0"
  mov [max_frames], eax
  cmp eax, FRAME_LIST_MAX - 1
  jb .max_fits
  PANIC "max_nr_frames does not fit our frame list"
.max_fits:

  ; --- setup_table(1): the first frame ---
  SETUP DOMID_SELF, 1
  CHECK_EQ eax, 0, "GNTTABOP_setup_table"
  STATUS setup + gnttab_setup_table_status
  CHECK_EQ eax, ST(GNTST_okay), "setup_table status"
  mov xax, [frame_list]
  CHECK_NE xax, 0, "setup_table gave frame 0"
  QUERY DOMID_SELF
  mov eax, [query + gnttab_query_size_nr_frames]
  CHECK_NE eax, 0, "nr_frames after setup_table(1)"

  ; --- version 1 ---
  mov dword [setver + gnttab_set_version_version], 1
  GNTTAB GNTTABOP_set_version, setver, 1
  CHECK_EQ eax, 0, "GNTTABOP_set_version 1"
  CHECK_EQ dword [setver + gnttab_set_version_version], 1, "set_version's answer"
  mov word [getver + gnttab_get_version_dom], DOMID_SELF
  mov dword [getver + gnttab_get_version_version], 0
  GNTTAB GNTTABOP_get_version, getver, 1
  CHECK_EQ eax, 0, "GNTTABOP_get_version"
  CHECK_EQ dword [getver + gnttab_get_version_version], 1, "get_version"

  ; --- map the table and grant a page to domain 0 ---
  mov xax, grant_table
  mov xdx, [frame_list]
  mov xcx, PTE_P | PTE_RW | PTE_A | PTE_D
  call set_pte
  CHECK_EQ eax, 0, "mapping the grant table frame"
  mov xax, granted
  call va_to_mfn
  mov [granted_mfn], xax
  mov dword [granted], 0x746e6172  ; "rant": something for a backend to read
%define ENTRY(ref, f) (grant_table + (ref) * grant_entry_v1_size + grant_entry_v1_ %+ f)
  mov word [ENTRY(GREF, domid)], 0
  mov eax, [granted_mfn]
  mov [ENTRY(GREF, frame)], eax
  mov word [ENTRY(GREF, flags)], GTF_permit_access   ; last: this makes the grant live
  CHECK_EQ word [ENTRY(GREF, flags)], GTF_permit_access, "the grant's flags"
  CHECK_EQ word [ENTRY(GREF, domid)], 0, "the grant's domid"
  mov eax, [granted_mfn]
  CHECK_EQ dword [ENTRY(GREF, frame)], eax, "the grant's frame"
  mov word [ENTRY(GREF + 1, domid)], 0
  mov eax, [granted_mfn]
  mov [ENTRY(GREF + 1, frame)], eax
  mov word [ENTRY(GREF + 1, flags)], GTF_permit_access | GTF_readonly
  CHECK_EQ word [ENTRY(GREF + 1, flags)], GTF_permit_access | GTF_readonly, "the read-only grant's flags"
  ; End both as gnttab_end_foreign_access does: only while no backend has
  ; them mapped (GTF_reading / GTF_writing clear).
  mov ax, GTF_permit_access
  xor edx, edx
  lock cmpxchg [ENTRY(GREF, flags)], dx
  je .ended
  FAIL "ending the grant: a backend holds it"
.ended:
  mov ax, GTF_permit_access | GTF_readonly
  xor edx, edx
  lock cmpxchg [ENTRY(GREF + 1, flags)], dx
  je .ended_ro
  FAIL "ending the read-only grant: a backend holds it"
.ended_ro:
  CHECK_EQ word [ENTRY(GREF, flags)], GTF_invalid, "the ended grant's flags"

  ; --- bad arguments ---
  mov eax, [max_frames]
  inc eax
  SETUP DOMID_SELF, eax
  CHECK_EQ eax, 0, "setup_table beyond the maximum: the call"
  STATUS setup + gnttab_setup_table_status
  CHECK_EQ eax, ST(GNTST_general_error), "setup_table beyond the maximum"
  SETUP NO_SUCH_DOMAIN, 1
  STATUS setup + gnttab_setup_table_status
  CHECK_EQ eax, ST(GNTST_bad_domain), "setup_table of a domain that does not exist"
  QUERY 0
  CHECK_EQ eax, 0, "query_size of domain 0: the call"
  STATUS query + gnttab_query_size_status
  CHECK_EQ eax, ST(GNTST_permission_denied), "query_size of domain 0"
  QUERY NO_SUCH_DOMAIN
  STATUS query + gnttab_query_size_status
  CHECK_EQ eax, ST(GNTST_bad_domain), "query_size of a domain that does not exist"
  mov word [getver + gnttab_get_version_dom], NO_SUCH_DOMAIN
  GNTTAB GNTTABOP_get_version, getver, 1
  CHECK_EQ eax, -XEN_ESRCH, "get_version of a domain that does not exist"
  mov word [query + gnttab_query_size_dom], DOMID_SELF
  GNTTAB GNTTABOP_query_size, query, 2
  CHECK_EQ eax, -XEN_EINVAL, "query_size with count 2"
  ; The table still has the frame setup_table(1) gave it.
  QUERY DOMID_SELF
  mov eax, [query + gnttab_query_size_nr_frames]
  CHECK_NE eax, 0, "nr_frames after the refused setup_table"
  ret

section .data
align 8
max_frames: dd 0
granted_mfn: DW 0
query: times gnttab_query_size_size db 0
align 8
setup: times gnttab_setup_table_size db 0
setver: times gnttab_set_version_size db 0
getver: times gnttab_get_version_size db 0

section .bss
alignb 4096
frame_list: resb 4096
grant_table: resb 4096
granted: resb 4096
