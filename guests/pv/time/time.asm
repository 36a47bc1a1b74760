; time: the pvclock in vcpu_info (version protocol; system time advances
; monotonically and agrees with rdtsc scaled by tsc_to_system_mul and
; tsc_shift) and a plausible wallclock in shared_info.
;
;! build out=time-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=time-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"
%include "pv/time.inc"

%define WC(f) (shared_info_page + shared_info_ %+ f)

%define YEAR_2020 1577836800
%define YEAR_2100 4102444800

section .text
test_main:
  call map_shared_info
  call install_traps

  ; The scale factor must be set up.
  CHECK_NE dword [VT(tsc_to_system_mul)], 0, "tsc_to_system_mul is 0"

  call pvclock_now
  mov [t1], eax
  mov [t1 + 4], edx
  ; Spin a while: the clock must move forward, but by less than 10 s.
  mov ecx, 2000000
.spin:
  dec ecx
  jnz .spin
  call pvclock_now
  mov [t2], eax
  mov [t2 + 4], edx
  sub eax, [t1]
  sbb edx, [t1 + 4]
  jns .not_backwards
  FAIL "pvclock went backwards"
  jmp .delta_done
.not_backwards:
  mov ebx, eax
  or ebx, edx
  jnz .advanced
  FAIL "pvclock did not advance"
.advanced:
  test edx, edx
  jz .delta_done                    ; < 4.29 s
  cmp edx, 2
  jbe .delta_done                   ; < 12.9 s: close enough to "10 s"
  FAIL "pvclock advanced implausibly far"
.delta_done:
  ; System time is time since the domain started: positive, and well
  ; under a day in a test.
  mov eax, [t1 + 4]
  cmp eax, 20116                    ; 86400e9 >> 32
  jb .uptime_ok
  FAIL "system time is more than a day"
.uptime_ok:

  ; Wallclock: read under wc_version (even, unchanged across the read).
.wc_retry:
  mov ebx, [WC(wc_version)]
  test ebx, 1
  jnz .wc_retry
  mov eax, [WC(wc_sec)]
  mov ecx, [WC(wc_nsec)]
  cmp ebx, [WC(wc_version)]
  jne .wc_retry
  ; wc_sec is the boot time; add system time's seconds roughly (>> 30).
  mov edx, [t1 + 4]
  shl edx, 2
  add eax, edx
  cmp eax, YEAR_2020
  jae .wc_after_2020
  FAIL "wallclock is before 2020"
.wc_after_2020:
  cmp eax, YEAR_2100
  jb .wc_plausible
  FAIL "wallclock is after 2100"
.wc_plausible:
  CHECK_NE ecx, 0, "wallclock nanoseconds are exactly 0"
  cmp ecx, 1000000000
  jb .wc_nsec_ok
  FAIL "wallclock nanoseconds >= 1e9"
.wc_nsec_ok:
  ret

section .data
align 8
t1: dq 0
t2: dq 0
