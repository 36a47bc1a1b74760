; hypercalls: a PV guest for `npm run bench` that makes each kind of
; hypercall ROUNDS times in a row. Before each phase it writes a marker
; line "@<phase>" with console_io, and "@end" after the last; the bench
; (bench/hypercalls.ts) times the stretch between markers and counts the
; host exits in it.
;
;! build out=hypercalls-pv64.elf arch=x86_64 format=elf64 link=../../guests/lib/pv/pv64.ld

%include "pv/pv.inc"
%include "pv/mm.inc"

%define ROUNDS 20000

; MARK "name": the phase marker (one console_io, counted against no phase).
%macro MARK 1
  PRINT {"@", %1, 10}
%endmacro

section .text
test_main:
  call map_shared_info
  ; A loopback channel to ourselves, masked: a send only sets it pending.
  mov word [alloc + evtchn_alloc_unbound_dom], DOMID_SELF
  mov word [alloc + evtchn_alloc_unbound_remote_dom], DOMID_SELF
  mov rdi, EVTCHNOP_alloc_unbound
  mov rsi, alloc
  HYPERCALL event_channel_op
  mov eax, [alloc + evtchn_alloc_unbound_port]
  mov [bind + evtchn_bind_interdomain_remote_port], eax
  mov word [bind + evtchn_bind_interdomain_remote_dom], DOMID_SELF
  mov rdi, EVTCHNOP_bind_interdomain
  mov rsi, bind
  HYPERCALL event_channel_op
  mov eax, [bind + evtchn_bind_interdomain_local_port]
  mov [send], eax
  bts [shared_info_page + shared_info_evtchn_mask], eax
  ; The page the mapping phases remap.
  mov rax, page
  call va_to_mfn
  mov [page_mfn], rax
  mov rax, page
  call walk_l1
  mov [page_pte_ma], rdx

  MARK "xen_version"
  mov ebx, ROUNDS
.version:
  mov edi, XENVER_version
  xor esi, esi
  HYPERCALL xen_version
  dec ebx
  jnz .version

  MARK "update_va_mapping"
  mov ebx, ROUNDS
.uvm:
  mov rdi, page
  mov rsi, [page_mfn]
  shl rsi, 12
  or rsi, PTE_P | PTE_RW | PTE_A | PTE_D
  mov edx, UVMF_INVLPG | UVMF_LOCAL
  HYPERCALL update_va_mapping
  dec ebx
  jnz .uvm

  MARK "mmu_update"
  mov ebx, ROUNDS
.mmu:
  mov rax, [page_pte_ma]
  mov [req + mmu_update_ptr], rax
  mov rax, [page_mfn]
  shl rax, 12
  or rax, PTE_P | PTE_RW | PTE_A | PTE_D
  mov [req + mmu_update_val], rax
  mov rdi, req
  mov esi, 1
  xor edx, edx
  mov r10d, DOMID_SELF
  HYPERCALL mmu_update
  dec ebx
  jnz .mmu

  MARK "evtchn_send_loopback"
  mov ebx, ROUNDS
.send:
  mov rdi, EVTCHNOP_send
  mov rsi, send
  HYPERCALL event_channel_op
  dec ebx
  jnz .send

  MARK "set_timer_op"
  mov ebx, ROUNDS
.timer:
  xor edi, edi                              ; stop the timer
  HYPERCALL set_timer_op
  dec ebx
  jnz .timer

  MARK "sched_yield"
  mov ebx, ROUNDS
.yield:
  mov edi, SCHEDOP_yield
  xor esi, esi
  HYPERCALL sched_op
  dec ebx
  jnz .yield

  MARK "end"
  ret

section .data
align 8
page_mfn: dq 0
page_pte_ma: dq 0
send: dd 0
alloc: times evtchn_alloc_unbound_size db 0
bind: times evtchn_bind_interdomain_size db 0
req: times mmu_update_size db 0

section .bss
alignb 4096
page: resb 4096
