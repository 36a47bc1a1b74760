; cpuid: the Xen CPUID leaves through Xen's forced-emulation prefix and
; through a plain cpuid; xen_version agreeing with them; the features a
; Linux kernel needs; privileged instructions: one that must #GP, an
; unknown MSR, and those Xen emulates (mov from CR0 and CR3).
;
;! build out=cpuid-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=cpuid-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"

; Xen's forced-emulation prefix: ud2, "xen", then the instruction.
%macro XEN_CPUID 0
  ud2
  db "xen"
  cpuid
%endmacro

%define SIG_EBX 0x566e6558   ; "XenV"
%define SIG_ECX 0x65584d4d   ; "MMXe"
%define SIG_EDX 0x4d4d566e   ; "nVMM"

section .text
test_main:
  call map_shared_info
  call install_traps

  ; --- xen_version ---
  mov ARG1, XENVER_version
  xor ARG2, ARG2
  HYPERCALL xen_version
  mov [xen_ver], eax
  CHECK_NE eax, 0, "XENVER_version is 0"
  mov dword [feature_info + xen_feature_info_submap_idx], 0
  mov ARG1, XENVER_get_features
  mov ARG2, feature_info
  HYPERCALL xen_version
  CHECK_EQ eax, 0, "XENVER_get_features"
  mov eax, [feature_info + xen_feature_info_submap]
  and eax, (1 << XENFEAT_mmu_pt_update_preserve_ad) | (1 << XENFEAT_gnttab_map_avail_bits)
  CHECK_EQ eax, (1 << XENFEAT_mmu_pt_update_preserve_ad) | (1 << XENFEAT_gnttab_map_avail_bits), "features lack preserve_ad or gnttab_map_avail_bits"

  ; --- the Xen leaves through the forced-emulation prefix ---
  mov eax, 0x40000000
  xor ecx, ecx
  XEN_CPUID
  CHECK_EQ ebx, SIG_EBX, "leaf 0x40000000 ebx is not XenV"
  CHECK_EQ ecx, SIG_ECX, "leaf 0x40000000 ecx is not MMXe"
  CHECK_EQ edx, SIG_EDX, "leaf 0x40000000 edx is not nVMM"
  cmp eax, 0x40000002
  jae .max_ok
  FAIL "leaf 0x40000000 reports fewer than 3 Xen leaves"
.max_ok:
  mov eax, 0x40000001
  xor ecx, ecx
  XEN_CPUID
  CHECK_EQ eax, [xen_ver], "leaf 0x40000001 disagrees with XENVER_version"
  mov eax, 0x40000002
  xor ecx, ecx
  XEN_CPUID
  CHECK_EQ eax, 1, "leaf 0x40000002: hypercall pages"
  CHECK_EQ ebx, 0x40000000, "leaf 0x40000002: hypercall MSR"

  ; --- a plain cpuid gives the same answer (Xen uses CPUID faulting) ---
  mov eax, 0x40000000
  xor ecx, ecx
  cpuid
  CHECK_EQ ebx, SIG_EBX, "plain cpuid of 0x40000000 does not show Xen"
  ; ... and hides what a PV guest must not use: leaf 1 ecx has no VMX and no MONITOR.
  mov eax, 1
  xor ecx, ecx
  XEN_CPUID
  and ecx, (1 << 5) | (1 << 3)
  CHECK_EQ ecx, 0, "leaf 1 shows VMX or MONITOR to a PV guest"

  ; --- the prefix before anything but cpuid is #UD, at the ud2 ---
  EXPECT_TRAP .ud_done
.ud_insn:
  ud2
  db "xen"
  nop
.ud_done:
  CHECK_EQ WORD_PTR [trap_vector], 6, "ud2 'xen' nop did not #UD"
  mov xax, .ud_insn
  CHECK_EQ [trap_rip], xax, "#UD rip is not the ud2"

  ; --- privileged: lidt must #GP(0) ---
  EXPECT_TRAP .lidt_done
  lidt [idt_desc]
.lidt_done:
  CHECK_EQ WORD_PTR [trap_vector], 13, "lidt did not #GP"
  CHECK_EQ WORD_PTR [trap_error], 0, "lidt #GP error code"

  ; --- an unknown MSR: rdmsr #GP(0) ---
  EXPECT_TRAP .rdmsr_done
  mov ecx, 0x0badc0de
  rdmsr
.rdmsr_done:
  CHECK_EQ WORD_PTR [trap_vector], 13, "rdmsr of an unknown MSR did not #GP"

  ; --- emulated: mov from CR0 (paging and protection on) and CR3 ---
  mov WORD_PTR [trap_count], 0
  mov xax, cr0
  and eax, 0x80000001
  CHECK_EQ eax, 0x80000001, "CR0 read lacks PE or PG"
  mov xax, cr3
  mov xbx, xax
  mov xsi, [start_info_ptr]
  mov xax, [xsi + start_info_pt_base]
  call va_to_mfn
  shl xax, 12
  CHECK_EQ xbx, xax, "CR3 read is not the machine address of the top-level table"
  CHECK_EQ WORD_PTR [trap_count], 0, "an emulated instruction reached the guest's trap handler"
  ret

section .data
align 8
xen_ver: dd 0
feature_info: times xen_feature_info_size db 0
idt_desc: dw 0
  DW 0
