; emu64: the in-guest microkernel for 64-bit Xen PV guests (docs/emu.md).
;
; It runs in ring 0 in Xen's hole while the guest kernel runs in ring 3,
; answers the hypercalls that touch only the vCPU and guest memory itself,
; and asks the host over the emu port (docs/emu-port.md) for the rest.
;
;! build out=emu64.bin arch=x86_64 format=bin

%include "emu-port.inc"
%include "emu-image.inc"
%include "xen.inc"
%include "xen-services.inc"
%include "xen-pv.inc"
%include "x86_64/defs.inc"

org EMU64_BASE

image_start:
header:
  dd EMU_IMAGE_MAGIC
  dd EMU_PROTOCOL_VERSION
  dq emu_boot
  dq image_end
  dd 64
  dd 0
  align 16

%include "x86_64/host.inc"
%include "x86_64/boot.inc"
%include "x86_64/entry.inc"
%include "x86_64/guest-access.inc"
%include "x86_64/exceptions.inc"
%include "x86_64/privileged.inc"
%include "x86_64/hypercalls.inc"
%include "x86_64/callbacks.inc"
%include "x86_64/page-types.inc"
%include "x86_64/mmu.inc"
%include "x86_64/ptwr.inc"
%include "x86_64/descriptors.inc"
%include "x86_64/version.inc"
%include "x86_64/forward.inc"
%include "x86_64/events.inc"

; --- emu-wide data ----------------------------------------------------------
section .data
align 8
; From EMU_OP_BOOT_INFO.
nr_vcpus:         dq 0
nr_pages:         dq 0
total_frames:     dq 0
shared_info_mfn:  dq 0
m2p_mfn:          dq 0
m2p_nr_frames:    dq 0
grant_mfn:        dq 0
grant_nr_frames:  dq 0
frame_info:       dq 0       ; physmap address of the page-type table
frame_info_entries: dq 0
emu_first_mfn:    dq 0       ; emu's image frame 0 (for virtual -> physical)
vm_assist:        dq 0       ; VMASST_TYPE_* bits enabled
; The hole entries every guest top-level table carries (L4 slots 256-271).
hole_l4e:         times HOLE_SLOTS dq 0

section .bss
alignb 4096
idt:              resb 256 * 16
alignb 4096
; One u32 per event-channel port, kept current by the host (EMU_OP_EVTCHN_TABLE).
evtchn_table:     resd 4096
alignb 4096
image_end:
