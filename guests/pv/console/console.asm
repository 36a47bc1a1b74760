; console: output through the PV console ring (xencons_interface and its
; event channel, as Linux's hvc_xen writes it), interleaved with
; console_io. Every line must reach the console in the order written:
; the run's stdout shows "console line 1" .. "console line 7" in order, with
; the ring's wrap lines between 5 and 6. More than a ring's worth of output
; makes the ring wrap and the writer wait for room; the backend notifies
; the console port once it has consumed the ring. A domU-only guest.
;
;! build out=console-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=console-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/events.inc"
%include "pv/console.inc"

%define WRAP_LINES 30

section .text
test_main:
  call map_shared_info
  call console_ring_init
  mov eax, [cons_port]
  CHECK_NE eax, 0, "start_info console evtchn is 0"

  ; The console port is an interdomain channel to the backend in domain 0.
  mov word [status + evtchn_status_dom], DOMID_SELF
  mov eax, [cons_port]
  mov [status + evtchn_status_port], eax
  mov eax, EVTCHNOP_status
  mov xdx, status
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_status of the console port"
  CHECK_EQ dword [status + evtchn_status_status], EVTCHNSTAT_interdomain, "the console port's status"
  CHECK_EQ word [status + evtchn_status_u_interdomain_dom], 0, "the console backend's domain"

  ; --- console_io and the ring, alternating ---
  PRINT {"console line 1 (console_io)", 10}
  RING_PRINT {"console line 2 (ring)", 10}
  PRINT {"console line 3 (console_io)", 10}
  ; Bytes put in the ring without a notification still come out before a
  ; later console_io write: the host drains the ring first.
  lea xax, [line4]
  mov xdx, line4_len
  call console_ring_put
  PRINT {"console line 5 (console_io)", 10}
  call console_ring_flush

  ; --- more than a ring's worth: the ring wraps, the writer waits for room ---
  mov eax, [cons_port]
  lock btr [shared_info_page + shared_info_evtchn_pending], eax
  mov xbx, [cons_ring]
  mov eax, [xbx + xencons_interface_out_prod]
  mov [prod0], eax
  xor ecx, ecx
.wrap_line:
  mov eax, ecx
  xor edx, edx
  mov esi, 10
  div esi
  add al, '0'
  add dl, '0'
  mov [wrap_line + WRAP_DIGITS], al
  mov [wrap_line + WRAP_DIGITS + 1], dl
  lea xax, [wrap_line]
  mov xdx, wrap_line_len
  call console_ring_write
  inc ecx
  cmp ecx, WRAP_LINES
  jb .wrap_line
  call console_ring_flush
  mov xbx, [cons_ring]
  mov eax, [xbx + xencons_interface_out_prod]
  sub eax, [prod0]
  CHECK_EQ eax, WRAP_LINES * wrap_line_len, "bytes that went through the ring"
  mov eax, [xbx + xencons_interface_out_cons]
  CHECK_EQ eax, [xbx + xencons_interface_out_prod], "out_cons after a flush"
  mov eax, [cons_port]
  bt [shared_info_page + shared_info_evtchn_pending], eax
  jc .notified
  FAIL "the console backend did not notify after consuming the ring"
.notified:

  PRINT {"console line 6 (console_io)", 10}
  RING_PRINT {"console line 7 (ring)", 10}
  call console_ring_flush
  ret

section .rodata
line4: db "console line 4 (ring, not notified)", 10
line4_len equ $ - line4

section .data
align 8
status: times evtchn_status_size db 0
prod0: dd 0
wrap_line: db "console ring wrap line "
WRAP_DIGITS equ $ - wrap_line
  db "00: the quick brown fox jumps over the lazy dog 0123456789", 10
wrap_line_len equ $ - wrap_line
