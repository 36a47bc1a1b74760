; hypercalls: the success paths of hypercalls the other guests only probe
; with bad arguments: a multicall of two calls with their results written
; back, set_debugreg/get_debugreg, MMUEXT_COPY_PAGE and MMUEXT_CLEAR_PAGE,
; a grant-table setup that hands back a frame, and
; XENMEM_current_reservation against start_info.
;
;! build out=hypercalls-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=hypercalls-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"

%define MC(n, field) (mc + (n) * multicall_entry_size + multicall_entry_ %+ field)

section .text
test_main:
  ; Two xen_version calls in one multicall: each result in its entry.
  mov WORD_PTR [MC(0, op)], __HYPERVISOR_xen_version
  mov WORD_PTR [MC(0, args)], XENVER_version
  mov WORD_PTR [MC(1, op)], __HYPERVISOR_xen_version
  mov WORD_PTR [MC(1, args)], XENVER_pagesize
  mov WORD_PTR [MC(0, result)], -1
  mov WORD_PTR [MC(1, result)], -1
  mov ARG1, mc
  mov ARG2, 2
  HYPERCALL multicall
  CHECK_EQ eax, 0, "multicall"
  CHECK_EQ WORD_PTR [MC(0, result)], (4 << 16) | 17, "multicall: XENVER_version's result"
  CHECK_EQ WORD_PTR [MC(1, result)], 4096, "multicall: XENVER_pagesize's result"

  ; A debug register round trip (DR7 stays off: no breakpoint fires).
  mov ARG1, 0
  mov ARG2, dr_target
  HYPERCALL set_debugreg
  CHECK_EQ eax, 0, "set_debugreg DR0"
  mov ARG1, 0
  HYPERCALL get_debugreg
  mov [got], xax
  mov xax, dr_target
  CHECK_EQ [got], xax, "get_debugreg DR0"
  mov ARG1, 0
  xor ARG2, ARG2
  HYPERCALL set_debugreg

  ; COPY_PAGE then CLEAR_PAGE, by machine frame.
  mov xdi, page_a
  mov xcx, 4096
  mov al, 0x5a
  rep stosb
  mov xax, page_b
  call va_to_mfn
  mov xdx, xax                      ; destination
  mov xax, page_a
  call va_to_mfn
  mov xcx, xax                      ; source
  mov eax, MMUEXT_COPY_PAGE
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_COPY_PAGE"
  CHECK_EQ byte [page_b], 0x5a, "the copy's first byte"
  CHECK_EQ byte [page_b + 4095], 0x5a, "the copy's last byte"
  mov xax, page_a
  call va_to_mfn
  mov xdx, xax
  mov eax, MMUEXT_CLEAR_PAGE
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_CLEAR_PAGE"
  CHECK_EQ byte [page_a], 0, "the cleared page's first byte"
  CHECK_EQ byte [page_a + 4095], 0, "the cleared page's last byte"

  ; One grant-table frame for ourselves.
  mov word [gst + gnttab_setup_table_dom], DOMID_SELF
  mov dword [gst + gnttab_setup_table_nr_frames], 1
  mov word [gst + gnttab_setup_table_status], -1
  mov WORD_PTR [gst + gnttab_setup_table_frame_list], grant_frames
  mov ARG1, GNTTABOP_setup_table
  mov ARG2, gst
  mov ARG3, 1
  HYPERCALL grant_table_op
  CHECK_EQ eax, 0, "GNTTABOP_setup_table"
  CHECK_EQ word [gst + gnttab_setup_table_status], 0, "GNTTABOP_setup_table status"
  CHECK_NE WORD_PTR [grant_frames], 0, "GNTTABOP_setup_table gave no frame"

  ; Our reservation is what start_info says we have.
  mov word [domid], DOMID_SELF
  mov ARG1, XENMEM_current_reservation
  mov ARG2, domid
  HYPERCALL memory_op
  mov [got], xax
  mov xsi, [start_info_ptr]
  mov xax, [xsi + start_info_nr_pages]
  CHECK_EQ [got], xax, "XENMEM_current_reservation"
  ret

section .data
align 8
got: DW 0
domid: dw 0
align 8
grant_frames: times 4 DW 0
gst: times gnttab_setup_table_size db 0
mc: times 2 * multicall_entry_size db 0
dr_target: DW 0

section .bss
alignb 4096
page_a: resb 4096
page_b: resb 4096
