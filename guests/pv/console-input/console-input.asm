; console-input: a line typed on the console reaches the guest through the
; PV console ring's input half (stdin -> the console backend -> `in`),
; waking the guest blocked in SCHEDOP_poll on the console port. The test
; harness types "xenner console input" and a newline; the guest echoes it
; through console_io as "console input: <line>" and checks it. Run by hand,
; type that line. A domU-only guest.
;
;! build out=console-input-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=console-input-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/events.inc"
%include "pv/console.inc"

section .text
test_main:
  call map_shared_info
  call console_ring_init
  ; Xen's default 10 ms ticker is not what we wait for (Linux stops it too).
  mov ARG1, VCPUOP_stop_periodic_timer
  mov ARG2, 0
  xor ARG3, ARG3
  HYPERCALL vcpu_op
  CHECK_EQ eax, 0, "VCPUOP_stop_periodic_timer"

  PRINT {"console-input: waiting for a line on the console", 10}
  lea xax, [line]
  mov xdx, LINE_MAX
  call console_ring_read_line
  mov [line_len], eax
  PRINT "console input: "
  lea xax, [line]
  mov edx, [line_len]
  call console_write
  mov eax, [line_len]
  CHECK_EQ eax, expected_len, "the length of the line read"
  cmp dword [line_len], expected_len
  jne .done
  lea xsi, [line]
  lea xdi, [expected]
  mov ecx, expected_len
  repe cmpsb
  je .done
  FAIL "the line read is not the line typed"
.done:
  ret

section .rodata
expected: db "xenner console input", 10
expected_len equ $ - expected

section .data
align 4
line_len: dd 0

section .bss
LINE_MAX equ 64
line: resb LINE_MAX
