; usermode: the guest kernel enters user mode and user mode enters the
; kernel. On 64-bit: HYPERVISOR_iret to ring 3 with a separate user page
; table (MMUEXT_NEW_USER_BASEPTR) that maps a page the kernel's does not,
; `syscall` bounced to the registered syscall callback and back as from
; a syscall (VGCF_in_syscall). On 32-bit PAE: HYPERVISOR_iret to ring 3
; onto pages the kernel opened to ring 3 itself, `sysenter` bounced to the
; sysenter callback with Xen's empty frame, and `int 0x82` (a hypercall)
; from ring 3 refused with #GP. On both: `int 0x80` from user mode through
; the trap table, and a user-mode page fault (U bit set in the error code)
; delivered to the kernel. The kernel stack for these comes from
; stack_switch.
;
;! build out=usermode-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=usermode-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"

%define UNMAPPED_VA 0x40000000
%define USER_ONLY_VA 0x8000000000     ; L4 slot 1: mapped only in the user page table
%define TABLE_FLAGS (PTE_P | PTE_RW | PTE_US | PTE_A)

section .text
test_main:
  call map_shared_info
  call install_traps

  ; The kernel stack Xen switches to on entry from user mode.
  mov ARG1, FLAT_KERNEL_SS
  mov ARG2, kernel_stack_top
  HYPERCALL stack_switch
  CHECK_EQ eax, 0, "stack_switch"

%if PV64
  ; The syscall callback.
  mov word [cb + callback_register_type], CALLBACKTYPE_syscall
  mov word [cb + callback_register_flags], CALLBACKF_mask_events
  mov qword [cb + callback_register_address], syscall_entry
  mov rdi, CALLBACKOP_register
  mov rsi, cb
  HYPERCALL callback_op
  CHECK_EQ eax, 0, "callback_op register syscall"

  call build_user_page_table
  mov eax, MMUEXT_NEW_USER_BASEPTR
  mov rdx, [mfn_user_l4]
  call mmuext_one
  CHECK_EQ eax, 0, "MMUEXT_NEW_USER_BASEPTR"
  mov dword [page_u], 0x05e40001
%endif

%if PV32
  ; The sysenter callback (Xen's compat_sysenter bounces there).
  mov word [cb + callback_register_type], CALLBACKTYPE_sysenter
  mov word [cb + callback_register_flags], 0
  mov dword [cb + callback_register_address_cs], FLAT_KERNEL_CS
  mov dword [cb + callback_register_address_eip], sysenter_entry
  mov ebx, CALLBACKOP_register
  mov ecx, cb
  HYPERCALL callback_op
  CHECK_EQ eax, 0, "callback_op register sysenter"

  ; A PAE guest's initial leaf entries give ring 3 no access (Xen's
  ; builders: "No ring-3 access in initial leaf page tables"; only a
  ; 64-bit guest's kernel, itself in ring 3, gets USER everywhere): the
  ; kernel opens its user code and stack pages itself.
  mov xax, user_code
  call va_to_mfn
  mov xdx, xax
  mov xax, user_code
  mov xcx, PTE_P | PTE_A | PTE_US
  call set_pte
  CHECK_EQ eax, 0, "mapping the user code page for ring 3"
  mov xax, user_stack
  call va_to_mfn
  mov xdx, xax
  mov xax, user_stack
  mov xcx, PTE_P | PTE_RW | PTE_A | PTE_D | PTE_US
  call set_pte
  CHECK_EQ eax, 0, "mapping the user stack page for ring 3"
%endif

  ; Traps from user mode: int 0x80 resumes in user mode and arms the next
  ; one; the user-mode page fault ends user mode (user_fault_return).
  EXPECT_TRAP_INPLACE
  mov WORD_PTR [trap_fixer], after_int80

  mov [kernel_sp], xsp
%if PV64
  push FLAT_USER_SS
  push user_stack_top
  push 0x202
  push FLAT_USER_CS
  push user_code
  push 0                              ; iret_context.flags
  jmp hypercall_page + __HYPERVISOR_iret * 32
%else
  ; Into user mode through HYPERVISOR_iret (the trap handlers come back
  ; with the hardware's iret): the stub pushes eax over the frame.
  mov ax, FLAT_USER_DS
  mov ds, ax
  mov es, ax
  push FLAT_USER_SS
  push user_stack_top
  push 0x202
  push FLAT_USER_CS
  push user_code
  jmp hypercall_page + __HYPERVISOR_iret * 32
%endif

; --- back in the kernel after the user-mode page fault ---
user_done:
%if PV32
  mov ax, FLAT_KERNEL_DS
  mov ds, ax
  mov es, ax
%endif
%if PV64
  CHECK_EQ WORD_PTR [syscall_count], 1, "syscall did not reach the syscall callback once"
  CHECK_EQ WORD_PTR [syscall_rax], 0x5c, "the syscall callback saw the wrong rax"
  mov xax, [syscall_cs]
  and eax, 3
  CHECK_EQ eax, 3, "syscall frame cs is not user mode"
  CHECK_EQ WORD_PTR [user_sysret_rax], 0x5d, "user mode did not get the syscall's return value"
  CHECK_EQ dword [user_read], 0x05e40001, "user mode does not see its own page table's mapping"
%endif
  CHECK_EQ WORD_PTR [int80_vector], 0x80, "int 0x80 from user mode did not reach the kernel"
%if PV32
  CHECK_EQ dword [sysenter_count], 1, "sysenter did not reach the sysenter callback once"
  CHECK_EQ dword [sysenter_eip], 0, "sysenter frame eip (Xen gives 0)"
  CHECK_EQ word [sysenter_cs], 3, "sysenter frame cs (Xen gives ring 3, null)"
  CHECK_EQ dword [sysenter_esp], 0, "sysenter frame esp (Xen gives 0)"
  CHECK_EQ dword [user_after_sysenter_ok], 0x5e5e, "user mode did not resume after sysenter"
  CHECK_EQ WORD_PTR [int82_vector], 13, "int 0x82 (a hypercall) from user mode did not #GP"
  CHECK_EQ WORD_PTR [int82_error], 0x82 * 8 + 2, "int 0x82 from user mode #GP error code"
%endif
  mov xax, [int80_cs]
  and eax, 3
  CHECK_EQ eax, 3, "int 0x80 frame cs is not user mode"
  CHECK_EQ WORD_PTR [trap_vector], 14, "the user-mode read of an unmapped page did not #PF"
  ; User mode, read, not present: U set (4).
  CHECK_EQ WORD_PTR [trap_error], 4, "user-mode #PF error code"
  mov xax, user_fault_insn
  CHECK_EQ [trap_rip], xax, "user-mode #PF rip"
  mov xax, [trap_cs]
  and eax, 3
  CHECK_EQ eax, 3, "user-mode #PF frame cs is not user mode"
%if PV64
  ; The kernel's page table does not map the user-only page.
  EXPECT_TRAP .kernel_probe_done
  mov rax, USER_ONLY_VA
  mov eax, [rax]
.kernel_probe_done:
  CHECK_EQ WORD_PTR [trap_vector], 14, "the kernel sees the user-only mapping"
%endif
  ret

; The trap fixer after int 0x80: note it and arm the user-mode fault.
after_int80:
  push xax
%if PV32
  mov [user_after_sysenter_ok], esi   ; (still the user's: trap_common keeps it)
%endif
  mov xax, [trap_vector]
  mov [int80_vector], xax
  mov xax, [trap_cs]
  mov [int80_cs], xax
  mov WORD_PTR [trap_fixup], TRAP_RESUME_INPLACE
%if PV32
  mov WORD_PTR [trap_fixer], after_int82
%else
  mov WORD_PTR [trap_fixer], user_fault_return
%endif
  pop xax
  ret

%if PV32
; The sysenter callback (ring 1, kernel stack): eip, cs, eflags, esp, ss,
; where eip, cs and esp say nothing; user mode resumes where it knows.
sysenter_entry:
  inc dword [sysenter_count]
  push eax
  mov eax, [esp + 4]
  mov [sysenter_eip], eax
  mov eax, [esp + 8]
  mov [sysenter_cs], eax
  mov eax, [esp + 16]
  mov [sysenter_esp], eax
  pop eax
  mov dword [esp], user_after_sysenter
  mov dword [esp + 4], FLAT_USER_CS
  mov [esp + 12], ebp
  iret

; The trap fixer after int 0x82 from user mode: note the #GP, step over
; the int (a fault leaves eip on it) and arm the user-mode fault.
after_int82:
  push xax
  mov xax, [trap_vector]
  mov [int82_vector], xax
  mov xax, [trap_error]
  mov [int82_error], xax
  add dword [esp + 6 * 4], 2          ; the frame's eip (past the fixer's return, eax, edx, eax, vector, error)
  mov WORD_PTR [trap_fixup], TRAP_RESUME_INPLACE
  mov WORD_PTR [trap_fixer], user_fault_return
  pop xax
  ret
%endif

; The trap fixer for the user-mode fault: abandon the frame and continue in
; the kernel where it entered user mode.
user_fault_return:
  mov xsp, [kernel_sp]
  jmp user_done

%if PV64
; The syscall callback: frame rcx, r11, rip, cs, rflags, rsp, ss.
syscall_entry:
  pop rcx
  pop r11
  inc qword [syscall_count]
  mov [syscall_rax], rax
  push rax
  mov rax, [rsp + 16]                 ; cs
  mov [syscall_cs], rax
  pop rax
  inc rax                             ; the "system call" result
  push VGCF_in_syscall
  jmp hypercall_page + __HYPERVISOR_iret * 32

; A copy of the kernel's L4 whose slot 1 maps page_u through tables of its
; own; every table mapped read-only; the L4 pinned.
build_user_page_table:
  SAVE_ALL
  mov rsi, [start_info_ptr]
  mov rsi, [rsi + start_info_pt_base]
  mov rdi, user_l4
  mov ecx, 512
  rep movsq
  mov rax, page_u
  call va_to_mfn
  shl rax, 12
  or rax, TABLE_FLAGS | PTE_D
  mov [user_l1], rax
  mov rax, user_l1
  call va_to_mfn
  shl rax, 12
  or rax, TABLE_FLAGS
  mov [user_l2], rax
  mov rax, user_l2
  call va_to_mfn
  shl rax, 12
  or rax, TABLE_FLAGS
  mov [user_l3], rax
  mov rax, user_l3
  call va_to_mfn
  shl rax, 12
  or rax, TABLE_FLAGS
  mov [user_l4 + 8], rax              ; slot 1
  mov rbx, user_l1
.ro:
  mov rax, rbx
  call va_to_mfn
  mov rdx, rax
  mov rax, rbx
  mov rcx, PTE_P | PTE_A
  call set_pte
  test eax, eax
  jz .ro_ok
  PANIC "read-only mapping of a user page table"
.ro_ok:
  add rbx, 4096
  cmp rbx, user_l4
  jbe .ro
  mov rax, user_l4
  call va_to_mfn
  mov [mfn_user_l4], rax
  mov rdx, rax
  mov eax, MMUEXT_PIN_L4_TABLE
  call mmuext_one
  test eax, eax
  jz .pinned
  PANIC "MMUEXT_PIN_L4_TABLE of the user page table"
.pinned:
  RESTORE_ALL
  ret
%endif

; --- user mode ---
%if PV32
  align 4096                          ; a page of its own, opened to ring 3 above
%endif
user_code:
%if PV64
  mov eax, 0x5c
  syscall
  mov [user_sysret_rax], rax
  mov rax, USER_ONLY_VA
  mov eax, [rax]
  mov [user_read], eax
%endif
%if PV32
  mov ebp, esp                        ; the stack to come back to, as Linux's vsyscall keeps it
  sysenter
user_after_sysenter:
  mov esi, 0x5e5e                     ; seen by the int 0x80 fixer: user mode resumed here
%endif
  int 0x80
%if PV32
  int 0x82                            ; a hypercall from ring 3: #GP(0x82 * 8 + 2)
%endif
user_fault_insn:
  mov al, [abs UNMAPPED_VA]
  ud2                                 ; not reached

section .data
align 8
kernel_sp: DW 0
syscall_count: DW 0
syscall_rax: DW 0
syscall_cs: DW 0
user_sysret_rax: DW 0
user_read: DW 0
int80_vector: DW 0
int80_cs: DW 0
%if PV32
sysenter_count: dd 0
sysenter_eip: dd -1
sysenter_cs: dd 0
sysenter_esp: dd -1
user_after_sysenter_ok: dd 0
int82_vector: DW 0
int82_error: DW 0
%endif
mfn_user_l4: DW 0
cb: times callback_register_size db 0

section .bss
alignb 4096
kernel_stack: resb 8192
kernel_stack_top:
user_stack: resb 4096
user_stack_top:
page_u: resb 4096
user_l1: resb 4096
user_l2: resb 4096
user_l3: resb 4096
user_l4: resb 4096
