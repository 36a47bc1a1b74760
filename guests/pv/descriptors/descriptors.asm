; descriptors: a GDT of the guest's own (set_gdt) whose data segment loads
; and works, update_descriptor adding an entry and refusing a TSS, a
; frame that is not the guest's and a page-table frame,
; Xen's flat selectors still present beside the guest's entries, and (on
; 64-bit) set_segment_base for FS; an LDT of the guest's own (set_ldt).
;
;! build out=descriptors-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=descriptors-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"

; The guest kernel's ring: 3 on 64-bit (Xen runs it in ring 3), 1 on 32-bit.
%if PV64
  %define KRING 3
%else
  %define KRING 1
%endif

; A flat 4 GiB read/write data descriptor with the given DPL, accessed.
%define DATA_DESC(dpl) (0x00cf93000000ffff | ((dpl) << 45))

%define SEL(index) (((index) << 3) | KRING)
; A machine address far beyond any machine this runs on (frame 0x7ffffff0).
%define NOT_OUR_MADDR 0x7ffffff0000
%define HV_TOP_PROBE 0xff000000

section .text
test_main:
  call map_shared_info
  call install_traps

  ; Entry 1: a flat data segment for the kernel's ring.
  mov eax, DATA_DESC(KRING) & 0xffffffff
  mov [gdt_page + 8], eax
  mov eax, DATA_DESC(KRING) >> 32
  mov [gdt_page + 12], eax
  ; Frames given to set_gdt may not be mapped writable.
  mov xax, gdt_page
  call va_to_mfn
  mov [gdt_frames], xax
  mov xdx, xax
  mov xax, gdt_page
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the GDT page"
  mov ARG1, gdt_frames
  mov ARG2, 512
  HYPERCALL set_gdt
  CHECK_EQ eax, 0, "set_gdt"

  ; The guest's own selector loads and its segment reads memory.
  mov ax, SEL(1)
  mov es, ax
  mov ax, es
  movzx eax, ax
  CHECK_EQ eax, SEL(1), "es does not hold the guest's selector"
  mov dword [marker], 0x5e9a0001
%if PV32
  ; (64-bit mode ignores the bases of es and ds: only the load is checked.)
  CHECK_EQ dword [es:marker], 0x5e9a0001, "a read through the guest's data segment"
%endif

  ; Xen's own flat selectors live on beside the guest's entries.
  mov ax, FLAT_KERNEL_SS
  mov fs, ax
  CHECK_EQ dword [fs:marker], 0x5e9a0001, "a read through Xen's flat selector"

  ; update_descriptor: entry 2 (by machine address).
  mov xax, [gdt_frames]
  shl xax, 12
  add xax, 16
  mov [desc_ma], xax
%if PV64
  mov rdi, [desc_ma]
  mov rsi, DATA_DESC(KRING)
%else
  ; A byte-granular 4 KiB data segment based at `marker`.
  mov eax, marker
  mov edx, eax
  shl edx, 16
  or edx, 0x0fff                    ; base 15:0, limit 15:0
  mov esi, eax
  and esi, 0xff000000               ; base 31:24
  shr eax, 16
  and eax, 0xff                     ; base 23:16
  or esi, eax
  or esi, (0x93 | (KRING << 5)) << 8 ; present, DPL, data, read/write, accessed
  or esi, 0x40 << 16                ; 32-bit, byte granular, limit 19:16 = 0
  mov ebx, [desc_ma]
  xor ecx, ecx
%endif
  HYPERCALL update_descriptor
  CHECK_EQ eax, 0, "update_descriptor of a data segment"
  mov ax, SEL(2)
  mov es, ax
%if PV64
  mov ax, es
  movzx eax, ax
  CHECK_EQ eax, SEL(2), "es does not hold the updated entry's selector"
%else
  ; Based at `marker`: offset 0 is the marker.
  CHECK_EQ dword [es:0], 0x5e9a0001, "a read through the based segment"
  ; ... and its 4 KiB limit holds.
  EXPECT_TRAP .limit_done
  mov eax, [es:0x1000]
.limit_done:
  CHECK_EQ WORD_PTR [trap_vector], 13, "a read past the segment limit did not #GP"

  ; The top of the 4 GiB is the hypervisor's: under Xen unmapped for a
  ; 32-bit guest (#PF), under xenner emu's own memory, which the flat
  ; ring-1 segments end below (#GP). Either way the kernel cannot read it.
  mov WORD_PTR [trap_vector], 0
  EXPECT_TRAP .hv_probe_done
  mov eax, [abs HV_TOP_PROBE]
.hv_probe_done:
  mov WORD_PTR [trap_fixup], 0
  cmp WORD_PTR [trap_vector], 13
  je .hv_probe_ok
  cmp WORD_PTR [trap_vector], 14
  je .hv_probe_ok
  FAIL "a ring-1 read of the top of the hypervisor hole did not fault"
.hv_probe_ok:
%endif

  ; System descriptors other than call gates are refused: a TSS.
%if PV64
  mov rdi, [desc_ma]
  add rdi, 8
  mov rsi, 0x0000e90000000067       ; an available 32-bit TSS, DPL 3
%else
  mov ebx, [desc_ma]
  add ebx, 8
  xor ecx, ecx
  mov edx, 0x00000067
  mov esi, 0x0000e900
%endif
  HYPERCALL update_descriptor
  CHECK_EQ eax, -XEN_EINVAL, "update_descriptor accepted a TSS descriptor"

  ; A descriptor slot in a frame that is not the guest's is refused ...
%if PV64
  mov rdi, NOT_OUR_MADDR
  mov rsi, DATA_DESC(KRING)
%else
  mov ebx, NOT_OUR_MADDR & 0xffffffff
  mov ecx, NOT_OUR_MADDR >> 32
  mov edx, DATA_DESC(KRING) & 0xffffffff
  mov esi, DATA_DESC(KRING) >> 32
%endif
  HYPERCALL update_descriptor
  CHECK_EQ eax, -XEN_EINVAL, "update_descriptor of a frame that is not the guest's"
  ; ... and so is one in a frame in use as a page table (the top level).
  mov xsi, [start_info_ptr]
  mov xax, [xsi + start_info_pt_base]
  call va_to_mfn
%if PV64
  mov rdi, rax
  shl rdi, 12
  add rdi, 8
  mov rsi, DATA_DESC(KRING)
%else
  mov ebx, eax
  shl ebx, 12
  add ebx, 8
  mov ecx, eax
  shr ecx, 20
  mov edx, DATA_DESC(KRING) & 0xffffffff
  mov esi, DATA_DESC(KRING) >> 32
%endif
  HYPERCALL update_descriptor
  CHECK_EQ eax, -XEN_EINVAL, "update_descriptor into a page table"
%if PV64
  ; (emu32 has no MMUEXT_SET_LDT with entries yet: pv64 only for now.)
  ; An LDT of the guest's own (MMUEXT_SET_LDT): its data segment loads, and
  ; while in use its page cannot be mapped writable.
  mov eax, DATA_DESC(KRING) & 0xffffffff
  mov [ldt_page + 8], eax
  mov eax, DATA_DESC(KRING) >> 32
  mov [ldt_page + 12], eax
  mov xax, ldt_page
  call va_to_mfn
  mov [ldt_mfn], xax
  mov xdx, xax
  mov xax, ldt_page
  mov xcx, PTE_P | PTE_A
  call set_pte
  CHECK_EQ eax, 0, "read-only mapping of the LDT page"
  mov eax, MMUEXT_SET_LDT
  mov xdx, ldt_page
  mov xcx, 2
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_SET_LDT"
  mov ax, (1 << 3) | 4 | KRING                ; entry 1 of the LDT
  mov es, ax
  mov ax, es
  movzx eax, ax
  CHECK_EQ eax, (1 << 3) | 4 | KRING, "es does not hold the LDT selector"
  mov xax, ldt_page
  mov xdx, [ldt_mfn]
  mov xcx, PTE_P | PTE_RW | PTE_A | PTE_D
  call set_pte
  CHECK_EQ eax, -XEN_EBUSY, "writable mapping of an LDT page in use not refused with -EBUSY"
%if PV64
  xor eax, eax
%else
  mov eax, FLAT_KERNEL_DS
%endif
  mov es, ax
  mov eax, MMUEXT_SET_LDT
  xor edx, edx
  xor ecx, ecx
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_SET_LDT to none"

%endif
  ; Back to the flat selectors before the GDT goes.
%if PV32
  ; The failsafe callback: a data segment that no longer loads on the way
  ; back from a hypercall. es holds entry 1, which the hypercall itself
  ; makes not present; the callback gets ds, es, fs, gs as they were, and
  ; es is null when it runs (ds, which loads, stays).
  mov ebx, FLAT_KERNEL_CS
  xor ecx, ecx                      ; no event callback
  mov edx, FLAT_KERNEL_CS
  mov esi, failsafe_entry
  HYPERCALL set_callbacks
  CHECK_EQ eax, 0, "set_callbacks"
  mov ax, SEL(1)
  mov es, ax
  mov ebx, [gdt_frames]
  shl ebx, 12
  add ebx, 8
  mov ecx, [gdt_frames]
  shr ecx, 20
  xor edx, edx
  xor esi, esi
  HYPERCALL update_descriptor
  mov [failsafe_ret], eax
  mov ax, es
  movzx eax, ax
  mov [failsafe_es_after], eax
  CHECK_EQ dword [failsafe_ret], 0, "update_descriptor making es's entry not present"
  CHECK_EQ dword [failsafe_count], 1, "the failsafe callback did not run once"
  CHECK_EQ dword [failsafe_ds], FLAT_KERNEL_DS, "the failsafe frame's ds"
  CHECK_EQ dword [failsafe_es], SEL(1), "the failsafe frame's es"
  CHECK_EQ dword [failsafe_es_in], 0, "es in the failsafe callback"
  CHECK_EQ dword [failsafe_es_after], 0, "es after the failsafe callback"
%endif

%if PV64
  xor eax, eax
%else
  mov eax, FLAT_KERNEL_DS
%endif
  mov es, ax
  mov fs, ax

%if PV64
  ; set_segment_base: FS's base points at the marker.
  mov rdi, SEGBASE_FS
  mov rsi, marker
  HYPERCALL set_segment_base
  CHECK_EQ eax, 0, "set_segment_base(FS)"
  CHECK_EQ dword [fs:0], 0x5e9a0001, "a read through FS after set_segment_base"
  mov rdi, SEGBASE_FS
  xor esi, esi
  HYPERCALL set_segment_base
%endif
  ret

%if PV32
; The failsafe callback (ring 1): esp -> ds, es, fs, gs, eip, cs, eflags.
failsafe_entry:
  inc dword [failsafe_count]
  push eax
  mov ax, es
  movzx eax, ax
  mov [failsafe_es_in], eax
  mov eax, [esp + 4]
  mov [failsafe_ds], eax
  mov eax, [esp + 8]
  mov [failsafe_es], eax
  pop eax
  add esp, 16                       ; leave the selectors as they are now
  iret
%endif

section .data
align 8
%if PV32
failsafe_count: dd 0
failsafe_ret: dd 0
failsafe_ds: dd 0
failsafe_es: dd 0
failsafe_es_in: dd -1
failsafe_es_after: dd -1
%endif
gdt_frames: DW 0
desc_ma: DW 0
ldt_mfn: DW 0

section .bss
alignb 4096
gdt_page: resb 4096
ldt_page: resb 4096
marker: resd 1
