; emu32: the in-guest microkernel for 32-bit PAE Xen PV guests (docs/emu.md).
;
; It runs in ring 0, 32-bit protected mode with PAE paging, at the top of
; Xen's hole (EMU32_BASE) while the guest kernel runs in ring 1 and its
; user mode in ring 3; it answers the hypercalls that touch only the vCPU
; and guest memory itself, and asks the host over the emu port
; (docs/emu-port.md) for the rest.
;
;! build out=emu32.bin arch=x86_32 format=bin

%include "emu-port.inc"
%include "emu-image.inc"
%include "xen.inc"
%include "xen-services.inc"
%include "xen-pv.inc"
%include "x86_32/defs.inc"

org EMU32_BASE

image_start:
header:
  dd EMU_IMAGE_MAGIC
  dd EMU_PROTOCOL_VERSION
  dq emu_boot
  dq image_end
  dd 32
  dd 0
  align 16

%include "x86_32/host.inc"
%include "x86_32/memory.inc"
%include "x86_32/boot.inc"
%include "x86_32/entry.inc"
%include "x86_32/exceptions.inc"
%include "x86_32/privileged.inc"
%include "x86_32/hypercalls.inc"
%include "x86_32/page-types.inc"
%include "x86_32/mmu.inc"
%include "x86_32/descriptors.inc"
%include "x86_32/version.inc"
%include "x86_32/forward.inc"
%include "x86_32/events.inc"

; --- emu-wide data ----------------------------------------------------------
section .data
align 4
; From EMU_OP_BOOT_INFO.
nr_vcpus:         dd 0
nr_pages:         dd 0
total_frames:     dd 0
shared_info_mfn:  dd 0
m2p_mfn:          dd 0
m2p_nr_frames:    dd 0
grant_mfn:        dd 0
grant_nr_frames:  dd 0
emu_first_mfn:    dd 0       ; emu's image frame 0
hv_start:         dd HYPERVISOR_VIRT_START ; the hole's start (HV_START_LOW may lower it)
hole_first:       dd 0       ; its first index in the top L2
vm_assist:        dd 0       ; VMASST_TYPE_* bits enabled

section .bss
alignb 4096
; The top L2's entries as the builder and the machine set them: every top
; L2 emu validates gets those from hole_first up.
hole_l2e:         resq 512
alignb 4096
idt:              resb 256 * 8
alignb 4096
; One u32 per event-channel port, kept current by the host (EMU_OP_EVTCHN_TABLE).
evtchn_table:     resd 1024
alignb 4096
image_end:
