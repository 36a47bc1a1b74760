; memory: the PV memory-management hypercalls. The p2m list and the M2P
; table agree; update_va_mapping maps, remaps and unmaps with each flush
; flag; mmu_update writes page-table entries (normal, preserving A/D) and
; M2P entries; pinning makes a frame a page table that may no longer be
; mapped writable; new_baseptr switches to a copy of the top-level table;
; direct writes to a page-table entry are emulated (Xen's ptwr); invalid
; requests are refused with Xen's error codes.
;
;! build out=memory-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=memory-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"

; Xen marks a 64-bit guest kernel's mappings that lack U with U and its own
; _PAGE_GUEST_KERNEL bit (bit 52): the kernel runs in ring 3.
%if PV64
  %define KERNEL_PTE_EXTRA (PTE_US | (1 << 52))
%else
  %define KERNEL_PTE_EXTRA 0
%endif
%define PTE_RWMAP (PTE_P | PTE_RW | PTE_A | PTE_D)
%define NOT_OUR_MFN 0x7ffffff0

; Map `alias` onto frame %1 (a register or memory word) with flush flags %2,
; expecting success.
%macro MAP_ALIAS 3  ; mfn, uvmf flags, "what"
  mov xdx, %1
  mov xax, alias
  mov xcx, PTE_RWMAP
  call set_pte_flags_%2
  CHECK_EQ eax, 0, %3
%endmacro

; Store mmu_req.ptr = %1 | %2 and mmu_req.val = %3 (both 64-bit fields).
%macro MMU_REQ 3
  mov xax, %1
  or xax, %2
  mov [mmu_req + mmu_update_ptr], xax
  mov xax, %3
  mov [mmu_req + mmu_update_val], xax
%if PV32
  mov dword [mmu_req + mmu_update_ptr + 4], 0
  mov dword [mmu_req + mmu_update_val + 4], 0
%endif
%endmacro

section .text
test_main:
  call map_shared_info
  call install_traps

  ; --- p2m and M2P agree for every page of the domain ---
  mov xsi, [start_info_ptr]
  mov xcx, [xsi + start_info_nr_pages]
  mov xsi, [xsi + start_info_mfn_list]
  xor xbx, xbx
.p2m:
  mov xax, [xsi + xbx * WORD_BYTES]
  call mfn_to_pfn
  cmp xax, xbx
  je .p2m_ok
  FAIL "M2P[p2m[pfn]] != pfn"
  jmp .p2m_done
.p2m_ok:
  inc xbx
  cmp xbx, xcx
  jb .p2m
.p2m_done:

  ; The frames of our two test pages.
  mov xax, page_a
  call va_to_mfn
  mov [mfn_a], xax
  mov xax, page_b
  call va_to_mfn
  mov [mfn_b], xax
  mov dword [page_a], 0xaaaa0001
  mov dword [page_b], 0xbbbb0002

  ; --- update_va_mapping: alias -> a, then b, with every flush flag ---
  MAP_ALIAS [mfn_a], invlpg_local, "update_va_mapping UVMF_INVLPG|UVMF_LOCAL"
  CHECK_EQ dword [alias], 0xaaaa0001, "alias does not show page a"
  MAP_ALIAS [mfn_b], flush_local, "update_va_mapping UVMF_TLB_FLUSH|UVMF_LOCAL"
  CHECK_EQ dword [alias], 0xbbbb0002, "alias does not show page b after a TLB flush"
  MAP_ALIAS [mfn_a], invlpg_all, "update_va_mapping UVMF_INVLPG|UVMF_ALL"
  CHECK_EQ dword [alias], 0xaaaa0001, "alias does not show page a after INVLPG|ALL"
  MAP_ALIAS [mfn_b], flush_all, "update_va_mapping UVMF_TLB_FLUSH|UVMF_ALL"
  CHECK_EQ dword [alias], 0xbbbb0002, "alias does not show page b after FLUSH|ALL"
  MAP_ALIAS [mfn_a], invlpg_multi, "update_va_mapping UVMF_INVLPG|UVMF_MULTI"
  CHECK_EQ dword [alias], 0xaaaa0001, "alias does not show page a after INVLPG|MULTI"
  ; UVMF_NONE, then an explicit MMUEXT_INVLPG_LOCAL.
  MAP_ALIAS [mfn_b], none, "update_va_mapping UVMF_NONE"
  mov eax, MMUEXT_INVLPG_LOCAL
  mov xdx, alias
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_INVLPG_LOCAL"
  CHECK_EQ dword [alias], 0xbbbb0002, "alias does not show page b after MMUEXT_INVLPG_LOCAL"
  ; Writes through the alias land in the frame.
  mov dword [alias], 0xbbbb0003
  CHECK_EQ dword [page_b], 0xbbbb0003, "a write through the alias did not reach page b"

  ; --- read-only and unmapped ---
  mov xax, alias
  mov xdx, [mfn_b]
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "update_va_mapping read-only"
  CHECK_EQ dword [alias], 0xbbbb0003, "read-only alias does not read page b"
  EXPECT_TRAP .ro_done
  mov dword [alias], 0
.ro_done:
  CHECK_EQ WORD_PTR [trap_vector], 14, "write through a read-only alias did not #PF"
  mov xax, alias
  xor edx, edx
  xor ecx, ecx
  call set_pte
  CHECK_EQ eax, 0, "update_va_mapping to unmap"
  EXPECT_TRAP .unmapped_done
  mov eax, [alias]
.unmapped_done:
  CHECK_EQ WORD_PTR [trap_vector], 14, "read of an unmapped alias did not #PF"
  CHECK_EQ WORD_PTR [trap_error], 0, "#PF error code of the unmapped alias"

  ; --- mmu_update: write the alias's L1 entry by machine address ---
  mov xax, alias
  call walk_l1
  mov [alias_pte_va], xax
  mov [alias_pte_ma], xdx
  mov xbx, [mfn_a]
  shl xbx, 12
  or xbx, PTE_RWMAP
  MMU_REQ [alias_pte_ma], MMU_NORMAL_PT_UPDATE, xbx
  call mmu_update_one
  CHECK_EQ eax, 0, "mmu_update MMU_NORMAL_PT_UPDATE"
  CHECK_EQ WORD_PTR [mmu_done], 1, "mmu_update success count"
  mov eax, MMUEXT_INVLPG_LOCAL
  mov xdx, alias
  call mmuext_one
  CHECK_EQ dword [alias], 0xaaaa0001, "alias after mmu_update does not show page a"
  mov xsi, [alias_pte_va]
  mov xax, [xsi]
%if PV64
  mov rdx, KERNEL_PTE_EXTRA
  or rbx, rdx
%endif
  CHECK_EQ xax, xbx, "the L1 entry does not read back as written (plus Xen's kernel bits)"

  ; PRESERVE_AD keeps the accessed/dirty bits the CPU set; a normal update
  ; with them clear clears them.
  mov dword [alias], 0xaaaa0004        ; sets A and D
  mov xbx, [mfn_a]
  shl xbx, 12
  or xbx, PTE_P | PTE_RW
  MMU_REQ [alias_pte_ma], MMU_PT_UPDATE_PRESERVE_AD, xbx
  call mmu_update_one
  CHECK_EQ eax, 0, "mmu_update MMU_PT_UPDATE_PRESERVE_AD"
  mov xsi, [alias_pte_va]
  mov eax, [xsi]
  and eax, PTE_A | PTE_D
  CHECK_EQ eax, PTE_A | PTE_D, "PRESERVE_AD lost the accessed/dirty bits"
  MMU_REQ [alias_pte_ma], MMU_NORMAL_PT_UPDATE, xbx
  call mmu_update_one
  mov xsi, [alias_pte_va]
  mov eax, [xsi]
  and eax, PTE_A | PTE_D
  CHECK_EQ eax, 0, "a normal update kept the accessed/dirty bits"

%if PV64
  ; (emu32 does not emulate page-table writes yet: pv64 only for now.)
  ; Direct writes to the read-only L1 entry are emulated (Xen's ptwr), as
  ; Linux relies on: a mov, a lock btr of RW, an xchg.
  mov xsi, [alias_pte_va]
  mov xbx, [mfn_b]
  shl xbx, 12
  or xbx, PTE_RWMAP
  EXPECT_TRAP .ptwr_mov_faulted
  mov [xsi], xbx
%if PV32
  mov dword [xsi + 4], 0
%endif
  mov WORD_PTR [trap_fixup], 0
  jmp .ptwr_mov_done
.ptwr_mov_faulted:
  FAIL "a direct write to an L1 entry was not emulated"
.ptwr_mov_done:
  mov eax, MMUEXT_INVLPG_LOCAL
  mov xdx, alias
  call mmuext_one
  CHECK_EQ dword [alias], 0xbbbb0003, "alias after a direct PTE write does not show page b"
  mov xsi, [alias_pte_va]
  lock btr WORD_PTR [xsi], 1             ; clear RW
  jc .ptwr_btr_cf
  FAIL "lock btr of a PTE's RW bit did not report it set"
.ptwr_btr_cf:
  mov eax, MMUEXT_INVLPG_LOCAL
  mov xdx, alias
  call mmuext_one
  EXPECT_TRAP .ptwr_ro_done
  mov dword [alias], 0
.ptwr_ro_done:
  CHECK_EQ WORD_PTR [trap_vector], 14, "a write through a PTE cleared by lock btr did not #PF"
  mov xsi, [alias_pte_va]
  mov xax, xbx
  xchg [xsi], xax
  and eax, PTE_RW
  CHECK_EQ eax, 0, "xchg on a PTE returned the wrong old entry"
  mov eax, MMUEXT_INVLPG_LOCAL
  mov xdx, alias
  call mmuext_one
  mov dword [alias], 0xbbbb0004
  CHECK_EQ dword [page_b], 0xbbbb0004, "a write after xchg restored RW did not reach page b"
  ; ... and an entry that does not validate stays refused: a writable
  ; mapping of the L1 itself is a #PF for the guest, as on Xen.
  mov xsi, [alias_pte_va]
  mov xax, [alias_pte_ma]
  and xax, ~0xfff
  or xax, PTE_RWMAP
  EXPECT_TRAP .ptwr_refused
  mov [xsi], xax
.ptwr_refused:
  CHECK_EQ WORD_PTR [trap_vector], 14, "a direct write of an invalid PTE was not refused with #PF"
  mov xsi, [alias_pte_va]
  mov eax, [xsi]
  and eax, PTE_RW
  CHECK_NE eax, 0, "the refused direct write changed the entry"

%endif
  ; MMU_MACHPHYS_UPDATE sets an M2P entry.
  mov xbx, [mfn_a]
  shl xbx, 12
  MMU_REQ xbx, MMU_MACHPHYS_UPDATE, 0x1234
  call mmu_update_one
  CHECK_EQ eax, 0, "mmu_update MMU_MACHPHYS_UPDATE"
  mov xax, [mfn_a]
  call mfn_to_pfn
  CHECK_EQ xax, 0x1234, "M2P entry not updated"
  mov xdx, page_a
  shr xdx, 12
  MMU_REQ xbx, MMU_MACHPHYS_UPDATE, xdx
  call mmu_update_one
  mov xax, [mfn_a]
  call mfn_to_pfn
  mov xdx, page_a
  shr xdx, 12
  CHECK_EQ xax, xdx, "M2P entry not restored"

  ; --- MMU_NORMAL_PT_UPDATE into an ordinary writable frame is a plain write ---
  mov xbx, [mfn_b]
  shl xbx, 12
  add xbx, 8
  MMU_REQ xbx, MMU_NORMAL_PT_UPDATE, 0x5a5a
  call mmu_update_one
  CHECK_EQ eax, 0, "mmu_update into a writable frame"
  CHECK_EQ dword [page_b + 8], 0x5a5a, "mmu_update into a writable frame did not write it"

  ; --- refused: a writable mapping of a frame in use as a page table ---
  mov xax, [alias_pte_ma]
  shr xax, 12
  mov xdx, xax
  mov xax, alias
  mov xcx, PTE_RWMAP
  call set_pte
  CHECK_EQ eax, -XEN_EBUSY, "writable mapping of a page table not refused with -EBUSY"

  ; --- pin an empty L1 table, then unpin it ---
  mov xax, newl1
  call va_to_mfn
  mov [mfn_l1], xax
  mov xdx, xax
  mov xax, newl1
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the new L1"
  mov eax, MMUEXT_PIN_L1_TABLE
  mov xdx, [mfn_l1]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_PIN_L1_TABLE"
  mov xax, newl1
  mov xdx, [mfn_l1]
  mov xcx, PTE_RWMAP
  call set_pte
  CHECK_EQ eax, -XEN_EBUSY, "writable mapping of a pinned L1 not refused with -EBUSY"
  mov eax, MMUEXT_UNPIN_TABLE
  mov xdx, [mfn_l1]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_UNPIN_TABLE"
  mov xax, newl1
  mov xdx, [mfn_l1]
  mov xcx, PTE_RWMAP
  call set_pte
  CHECK_EQ eax, 0, "an unpinned L1 could not be mapped writable again"

%if PV64
  ; --- new_baseptr: run on a copy of the L4, then switch back ---
  mov xsi, [start_info_ptr]
  mov xsi, [xsi + start_info_pt_base]
  mov xax, xsi
  call va_to_mfn
  mov [mfn_top], xax
  mov xdi, newtop
  mov ecx, 512
  rep movsq
  mov xax, newtop
  call va_to_mfn
  mov [mfn_newtop], xax
  mov xdx, xax
  mov xax, newtop
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the new L4"
  mov eax, MMUEXT_PIN_L4_TABLE
  mov xdx, [mfn_newtop]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_PIN_L4_TABLE"
  mov eax, MMUEXT_NEW_BASEPTR
  mov xdx, [mfn_newtop]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_NEW_BASEPTR to the copy"
  mov dword [page_a], 0xaaaa0005
  CHECK_EQ dword [page_a], 0xaaaa0005, "memory does not work on the new L4"
  mov eax, MMUEXT_NEW_BASEPTR
  mov xdx, [mfn_top]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_NEW_BASEPTR back to the original"
  mov eax, MMUEXT_UNPIN_TABLE
  mov xdx, [mfn_newtop]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_UNPIN_TABLE of the L4 copy"
%endif
%if PV32
  ; --- new_baseptr: run on a copy of the L3, then switch back. The copy's
  ; slot 3 shares the top L2, which holds the hypervisor's entries. ---
  mov esi, [start_info_ptr]
  mov esi, [esi + start_info_pt_base]
  mov eax, esi
  call va_to_mfn
  mov [mfn_top], eax
  mov edi, newtop
  mov ecx, 1024
  rep movsd
  mov eax, newtop
  call va_to_mfn
  mov [mfn_newtop], eax
  mov edx, eax
  mov eax, newtop
  mov ecx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the new L3"
  mov eax, MMUEXT_PIN_L3_TABLE
  mov edx, [mfn_newtop]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_PIN_L3_TABLE"
  mov eax, MMUEXT_NEW_BASEPTR
  mov edx, [mfn_newtop]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_NEW_BASEPTR to the copy"
  mov dword [page_a], 0xaaaa0005
  CHECK_EQ dword [page_a], 0xaaaa0005, "memory does not work on the new L3"
  mov eax, MMUEXT_NEW_BASEPTR
  mov edx, [mfn_top]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_NEW_BASEPTR back to the original"
  mov eax, MMUEXT_UNPIN_TABLE
  mov edx, [mfn_newtop]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_UNPIN_TABLE of the L3 copy"
%endif

  ; --- a table that does not validate takes nothing: an L2 whose entry 0
  ; is a good L1 and entry 1 a frame that is not ours. The pin fails, and
  ; the L1 it had taken is an ordinary page again (mappable writable).
  ; The L1 is the one pinned and unpinned above. ---
  mov xax, newl1
  mov xdx, [mfn_l1]
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the L1 under the bad L2"
  mov xax, [mfn_l1]
  shl xax, 12
  or xax, PTE_P | PTE_RW | PTE_US | PTE_A
  mov [badl2], xax
  mov dword [badl2 + 8], ((NOT_OUR_MFN << 12) | PTE_P | PTE_RW | PTE_US | PTE_A) & 0xffffffff
  mov dword [badl2 + 12], NOT_OUR_MFN >> 20
  mov xax, badl2
  call va_to_mfn
  mov [mfn_badl2], xax
  mov xdx, xax
  mov xax, badl2
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the bad L2"
  mov eax, MMUEXT_PIN_L2_TABLE
  mov xdx, [mfn_badl2]
  call mmuext_one
  CHECK_EQ eax, -XEN_EINVAL, "pin of an L2 with a frame that is not ours"
  mov xax, newl1
  mov xdx, [mfn_l1]
  mov xcx, PTE_RWMAP
  call set_pte
  CHECK_EQ eax, 0, "the L1 under the refused L2 stayed a page table"
  mov xax, badl2
  mov xdx, [mfn_badl2]
  mov xcx, PTE_RWMAP
  call set_pte
  CHECK_EQ eax, 0, "the refused L2 stayed a page table"
  ret

; set_pte with fixed flush flags (same registers as set_pte).
%macro SET_PTE_FLAGS 2
set_pte_flags_%1:
  push xbx
  push xcx
  push xdx
  push xsi
  push xdi
%if PV64
  shl rdx, 12
  or rdx, rcx
  mov rdi, rax
  mov rsi, rdx
  mov rdx, %2
%else
  mov ebx, eax
  mov eax, edx
  shl eax, 12
  or eax, ecx
  shr edx, 20
  mov ecx, eax
  mov esi, %2
%endif
  HYPERCALL update_va_mapping
  pop xdi
  pop xsi
  pop xdx
  pop xcx
  pop xbx
  ret
%endmacro

SET_PTE_FLAGS none, UVMF_NONE
SET_PTE_FLAGS invlpg_local, UVMF_INVLPG | UVMF_LOCAL
SET_PTE_FLAGS flush_local, UVMF_TLB_FLUSH | UVMF_LOCAL
SET_PTE_FLAGS invlpg_all, UVMF_INVLPG | UVMF_ALL
SET_PTE_FLAGS flush_all, UVMF_TLB_FLUSH | UVMF_ALL
; UVMF_MULTI: the flags word carries a pointer to a vCPU bitmap.
SET_PTE_FLAGS invlpg_multi, vcpu_mask_0 + (UVMF_INVLPG | UVMF_MULTI)

section .data
align 8
vcpu_mask_0: DW 1
mfn_a: DW 0
mfn_b: DW 0
mfn_l1: DW 0
mfn_top: DW 0
mfn_newtop: DW 0
mfn_badl2: DW 0
alias_pte_va: DW 0
alias_pte_ma: DW 0

section .bss
alignb 4096
page_a: resb 4096
page_b: resb 4096
alias: resb 4096
newl1: resb 4096
newtop: resb 4096
badl2: resb 4096
