; badargs: a hostile guest's arguments. Pointers into the hypervisor's hole
; or to unmapped memory, frames that are not the guest's, counts and
; numbers out of range: each hypercall must refuse them with Xen's error
; code and leave the hypervisor (emu, under xenner) standing, which the
; result line at the end proves.
;
;! build out=badargs-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=badargs-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"

%if PV64
  %define HOLE_PTR 0xffff830000000000  ; inside the hypervisor's hole
  %define NONCANONICAL 0x0000800000000000
%else
  %define HOLE_PTR 0xff000000
%endif
%define UNMAPPED_PTR 0x40000000         ; far beyond the initial mapping
; A machine frame far beyond any machine this runs on.
%define NOT_OUR_MFN 0x7ffffff0

; HC name, expected, "what", args...: make the hypercall and check eax.
%macro HC 3-8
  SAVE_ALL
  %if %0 >= 4
    mov ARG1, %4
  %endif
  %if %0 >= 5
    mov ARG2, %5
  %endif
  %if %0 >= 6
    mov ARG3, %6
  %endif
  %if %0 >= 7
    mov ARG4, %7
  %endif
  %if %0 >= 8
    mov ARG5, %8
  %endif
  HYPERCALL %1
  mov [last_ret], eax
  RESTORE_ALL
  CHECK_EQ dword [last_ret], %2, %3
%endmacro

; HC_CALL function, expected, "what": a hypercall made by a helper that
; sets up arguments the macro above cannot.
%macro HC_CALL 3
  SAVE_ALL
  call %1
  mov [last_ret], eax
  RESTORE_ALL
  CHECK_EQ dword [last_ret], %2, %3
%endmacro

section .text
test_main:
  ; A hypercall number nothing implements.
  SAVE_ALL
  call hypercall_page + 50 * 32
  mov [last_ret], eax
  RESTORE_ALL
  CHECK_EQ dword [last_ret], -XEN_ENOSYS, "hypercall 50"

  ; Pointers the guest may not hand over.
  HC console_io, -XEN_EFAULT, "console_io from the hole", CONSOLEIO_write, 4, HOLE_PTR
  HC console_io, -XEN_EFAULT, "console_io from unmapped memory", CONSOLEIO_write, 4, UNMAPPED_PTR
  HC set_trap_table, -XEN_EFAULT, "set_trap_table in the hole", HOLE_PTR
  HC mmu_update, -XEN_EFAULT, "mmu_update requests in the hole", HOLE_PTR, 1, 0, DOMID_SELF
  HC mmuext_op, -XEN_EFAULT, "mmuext_op in the hole", HOLE_PTR, 1, 0, DOMID_SELF
  HC multicall, -XEN_EFAULT, "multicall list in the hole", HOLE_PTR, 1
  HC xen_version, -XEN_EFAULT, "XENVER_extraversion into the hole", XENVER_extraversion, HOLE_PTR
  HC event_channel_op, -XEN_EFAULT, "EVTCHNOP_send from the hole", EVTCHNOP_send, HOLE_PTR
  HC_CALL update_va_mapping_hole, -XEN_EINVAL, "update_va_mapping of a hole address"

  ; Frames that are not the guest's.
  mov dword [req + mmu_update_ptr], (NOT_OUR_MFN << 12) & 0xffffffff
  mov dword [req + mmu_update_ptr + 4], NOT_OUR_MFN >> 20
  HC mmu_update, -XEN_EINVAL, "mmu_update of a frame that is not ours", req, 1, 0, DOMID_SELF
  mov dword [req + mmu_update_ptr], ((NOT_OUR_MFN << 12) | MMU_MACHPHYS_UPDATE) & 0xffffffff
  HC mmu_update, -XEN_EINVAL, "MMU_MACHPHYS_UPDATE of a frame that is not ours", req, 1, 0, DOMID_SELF
  mov dword [ext + mmuext_op_cmd], MMUEXT_PIN_L1_TABLE
  mov dword [ext + mmuext_op_arg1], NOT_OUR_MFN
  HC mmuext_op, -XEN_EINVAL, "MMUEXT_PIN_L1_TABLE of a frame that is not ours", ext, 1, 0, DOMID_SELF
  mov dword [ext + mmuext_op_cmd], 99
  HC mmuext_op, -XEN_ENOSYS, "mmuext_op command 99", ext, 1, 0, DOMID_SELF

  ; Numbers out of range.
  mov dword [poll + sched_poll_nr_ports], 129
  HC sched_op, -XEN_EINVAL, "SCHEDOP_poll of 129 ports", SCHEDOP_poll, poll
  HC set_gdt, -XEN_EINVAL, "set_gdt of 7169 entries", gdt_frames, 7169
  HC_CALL update_descriptor_misaligned, -XEN_EINVAL, "update_descriptor at a misaligned address"
  HC vcpu_op, -XEN_ENOENT, "VCPUOP_is_up of vCPU 99", VCPUOP_is_up, 99, 0
  HC grant_table_op, -XEN_ENOSYS, "grant_table_op command 99", 99, gnt, 1
  HC memory_op, -XEN_ENOSYS, "memory_op command 50", 50, 0
  HC set_debugreg, -XEN_EPERM, "set_debugreg of DR0 in the hole", 0, HOLE_PTR
  mov dword [iopl], 4
  HC physdev_op, -XEN_EINVAL, "PHYSDEVOP_set_iopl 4", PHYSDEVOP_set_iopl, iopl
  mov word [cb + callback_register_type], 6
  HC callback_op, -XEN_ENOSYS, "CALLBACKOP_register of type 6", CALLBACKOP_register, cb
  HC vm_assist, -XEN_EINVAL, "vm_assist of type 31", VMASST_CMD_enable, 31
%if PV64
  mov rax, NONCANONICAL
  mov [noncanonical], rax
  HC set_segment_base, -XEN_EINVAL, "set_segment_base(FS) to a non-canonical base", SEGBASE_FS, [noncanonical]
%endif
  ret

; update_va_mapping with the address in the hole (the argument layout
; differs between word sizes).
update_va_mapping_hole:
%if PV64
  mov rdi, HOLE_PTR
  xor esi, esi
  xor edx, edx
%else
  mov ebx, HOLE_PTR
  xor ecx, ecx
  xor edx, edx
  xor esi, esi
%endif
  jmp hypercall_page + __HYPERVISOR_update_va_mapping * 32

update_descriptor_misaligned:
%if PV64
  mov rdi, gdt_page
  add rdi, 4
  xor esi, esi
%else
  mov ebx, gdt_page + 4
  xor ecx, ecx
  xor edx, edx
  xor esi, esi
%endif
  jmp hypercall_page + __HYPERVISOR_update_descriptor * 32

section .data
align 8
last_ret: dd 0
iopl: dd 0
noncanonical: DW 0
gdt_frames: DW 0
req: times mmu_update_size db 0
ext: times mmuext_op_size db 0
poll: times sched_poll_size db 0
gnt: times 64 db 0
cb: times callback_register_size db 0

section .bss
alignb 4096
gdt_page: resb 4096
