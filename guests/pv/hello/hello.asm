; hello: the first PV guest anyone runs. It prints through console_io,
; checks the start_info magic Xen hands a guest of its word size, and
; powers off.
;
;! build out=hello-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=hello-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"

section .text
test_main:
  PRINT {"Hello from a Xen PV guest", 10}

  ; start_info.magic is "xen-3.0-x86_64" or "xen-3.0-x86_32p".
  mov xsi, [start_info_ptr]
  lea xsi, [xsi + start_info_magic]
  lea xdi, [expected_magic]
  mov xcx, expected_magic_len
  repe cmpsb
  je .magic_ok
  FAIL "start_info magic"
.magic_ok:

  mov xsi, [start_info_ptr]
  mov xax, [xsi + start_info_nr_pages]
  CHECK_NE xax, 0, "start_info nr_pages is 0"
  mov xax, [xsi + start_info_shared_info]
  CHECK_NE xax, 0, "start_info shared_info is 0"
  ret

section .rodata
%if PV64
expected_magic: db "xen-3.0-x86_64", 0
%else
expected_magic: db "xen-3.0-x86_32p", 0
%endif
expected_magic_len equ $ - expected_magic
