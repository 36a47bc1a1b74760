; traps: exceptions bounced through the virtual IDT with Xen's frames and
; error codes, CR2 delivered in vcpu_info, int n allowed and refused by the
; trap table, and resuming the interrupted code (including a restartable
; page fault repaired by its handler).
;
;! build out=traps-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=traps-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"

%define UNMAPPED_VA 0x40000000   ; far beyond the initial mapping
%define CR2_OFFSET (shared_info_vcpu_info + vcpu_info_arch_cr2)

section .text
test_main:
  call map_shared_info
  call install_traps

  ; #UD: the handler sees the address of the ud2.
  EXPECT_TRAP .ud_done
.ud_insn:
  ud2
.ud_done:
  CHECK_EQ WORD_PTR [trap_vector], 6, "ud2 did not raise #UD"
  mov xax, .ud_insn
  CHECK_EQ [trap_rip], xax, "#UD frame rip is not the ud2"

  ; #DE from a division by zero.
  EXPECT_TRAP .de_done
  mov eax, 1
  xor edx, edx
  xor ecx, ecx
.de_insn:
  div ecx
.de_done:
  CHECK_EQ WORD_PTR [trap_vector], 0, "div by 0 did not raise #DE"
  mov xax, .de_insn
  CHECK_EQ [trap_rip], xax, "#DE frame rip is not the div"

  ; int3 is a trap: the frame points after it, and we resume there.
  EXPECT_TRAP_INPLACE
  int3
.after_int3:
  CHECK_EQ WORD_PTR [trap_vector], 3, "int3 did not reach vector 3"
  mov xax, .after_int3
  CHECK_EQ [trap_rip], xax, "int3 frame rip is not after the int3"

  ; int 0x80 is open to everyone (DPL 3 in the trap table).
  EXPECT_TRAP_INPLACE
  int 0x80
.after_int80:
  CHECK_EQ WORD_PTR [trap_vector], 0x80, "int 0x80 did not reach its handler"
  mov xax, .after_int80
  CHECK_EQ [trap_rip], xax, "int 0x80 frame rip is not after the int"

  ; int 0x81 has DPL 0: raising it from the kernel is a #GP whose error
  ; code names the IDT entry: (0x81 << 3) | 2.
  EXPECT_TRAP .int81_done
.int81_insn:
  int 0x81
.int81_done:
  CHECK_EQ WORD_PTR [trap_vector], 13, "int 0x81 (DPL 0) did not #GP"
  CHECK_EQ WORD_PTR [trap_error], (0x81 << 3) | 2, "int 0x81 #GP error code"
  mov xax, .int81_insn
  CHECK_EQ [trap_rip], xax, "int 0x81 #GP rip is not the int"

  ; #PF on a read of an unmapped address: CR2 arrives in vcpu_info.
  EXPECT_TRAP .pf_read_done
.pf_read_insn:
  mov al, [abs UNMAPPED_VA]
.pf_read_done:
  CHECK_EQ WORD_PTR [trap_vector], 14, "read of an unmapped page did not #PF"
  mov xax, .pf_read_insn
  CHECK_EQ [trap_rip], xax, "#PF frame rip is not the faulting read"
  ; Xen reports a guest-kernel fault as a supervisor one (no U bit), though
  ; a 64-bit PV kernel really runs in ring 3.
  CHECK_EQ WORD_PTR [trap_error], 0, "#PF error code of a kernel read of a non-present page"
  mov xax, [shared_info_page + CR2_OFFSET]
  CHECK_EQ xax, UNMAPPED_VA, "vcpu_info cr2 is not the faulting address"

  ; #PF on a write to a read-only page, repaired by the handler (mapping
  ; it writable again) and restarted: the write then lands.
  mov xax, scratch
  call va_to_mfn
  mov [scratch_mfn], xax
  mov xdx, xax
  mov xax, scratch
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "update_va_mapping read-only failed"
  mov WORD_PTR [trap_fixer], make_scratch_writable
  EXPECT_TRAP_INPLACE
.pf_write_insn:
  mov dword [scratch], 0x600df00d
  CHECK_EQ WORD_PTR [trap_vector], 14, "write to a read-only page did not #PF"
  CHECK_EQ WORD_PTR [trap_error], 3, "#PF error code of a kernel write to a read-only page"
  mov xax, .pf_write_insn
  CHECK_EQ [trap_rip], xax, "#PF frame rip is not the faulting write"
  mov xax, [shared_info_page + CR2_OFFSET]
  CHECK_EQ xax, scratch, "vcpu_info cr2 is not the read-only page"
  CHECK_EQ dword [scratch], 0x600df00d, "the restarted write did not land"
  CHECK_EQ WORD_PTR [trap_count], 7, "trap count"
  ret

; The fixer for the read-only page: map it read-write again.
make_scratch_writable:
  SAVE_ALL
  mov xax, scratch
  mov xdx, [scratch_mfn]
  mov xcx, PTE_P | PTE_RW | PTE_A | PTE_D
  call set_pte
  RESTORE_ALL
  ret

section .data
scratch_mfn: DW 0

section .bss
alignb 4096
scratch: resb 4096
