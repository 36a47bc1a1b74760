; events: event channels and what wakes a vCPU (with Xen's default
; periodic timer stopped first). A loopback channel
; (alloc_unbound + bind_interdomain to ourselves) delivers an upcall when
; events are on and stays pending while they are off; a masked port stays
; pending until EVTCHNOP_unmask delivers it; VIRQ_TIMER fires for
; set_timer_op and for the vCPU singleshot timer and wakes SCHEDOP_block;
; SCHEDOP_poll returns at its timeout, and at once for a pending port.
;
;! build out=events-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=events-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/traps.inc"
%include "pv/time.inc"
%include "pv/events.inc"

%define MS 1000000

; Is port %1 (a dword in memory) pending in shared_info? -> CF
%macro TEST_PENDING 1
  mov eax, %1
  bt [shared_info_page + shared_info_evtchn_pending], eax
%endmacro

; set_timer_op(now + %1 ns)
%macro TIMER_IN 1
  call pvclock_now
  add eax, %1
  adc edx, 0
%if PV64
  shl rdx, 32
  or rax, rdx
  mov rdi, rax
%else
  mov ebx, eax
  mov ecx, edx
%endif
  HYPERCALL set_timer_op
%endmacro

; Note the time in t0 (edx:eax = now too).
%macro MARK_T0 0
  call pvclock_now
  mov [t0], eax
  mov [t0 + 4], edx
%endmacro

; Store t0 + %2 ns into the u64 at %1.
%macro DEADLINE 2
  mov eax, [t0]
  mov edx, [t0 + 4]
  add eax, %2
  adc edx, 0
  mov [%1], eax
  mov [%1 + 4], edx
%endmacro

section .text
test_main:
  call map_shared_info
  call install_traps
  call install_event_callback
  call events_off
  ; Xen gives every PV vCPU a 10 ms periodic VIRQ_TIMER until the guest
  ; stops it (Linux does at boot); its ticks would wake block and poll.
  mov ARG1, VCPUOP_stop_periodic_timer
  mov ARG2, 0
  xor ARG3, ARG3
  HYPERCALL vcpu_op
  CHECK_EQ eax, 0, "VCPUOP_stop_periodic_timer"

  ; --- a loopback channel: A unbound, B bound to it ---
  mov word [alloc + evtchn_alloc_unbound_dom], DOMID_SELF
  mov word [alloc + evtchn_alloc_unbound_remote_dom], DOMID_SELF
  mov eax, EVTCHNOP_alloc_unbound
  mov xdx, alloc
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_alloc_unbound"
  mov eax, [alloc + evtchn_alloc_unbound_port]
  mov [port_a], eax
  mov word [bind + evtchn_bind_interdomain_remote_dom], DOMID_SELF
  mov [bind + evtchn_bind_interdomain_remote_port], eax
  mov eax, EVTCHNOP_bind_interdomain
  mov xdx, bind
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_bind_interdomain to ourselves"
  mov eax, [bind + evtchn_bind_interdomain_local_port]
  mov [port_b], eax
  CHECK_NE eax, [port_a], "the bound port is the unbound one"
  mov word [status + evtchn_status_dom], DOMID_SELF
  mov [status + evtchn_status_port], eax
  mov eax, EVTCHNOP_status
  mov xdx, status
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_status"
  CHECK_EQ dword [status + evtchn_status_status], EVTCHNSTAT_interdomain, "the bound port's status"
  mov eax, [port_a]
  CHECK_EQ dword [status + evtchn_status_u_interdomain_port], eax, "status names the wrong peer port"

  ; --- with events off, a send leaves A pending and the upcall waiting ---
  mov eax, [port_b]
  mov [send + evtchn_port_arg_port], eax
  mov eax, EVTCHNOP_send
  mov xdx, send
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_send"
  TEST_PENDING [port_a]
  jc .pend_ok
  FAIL "a send did not make the peer port pending"
.pend_ok:
  CHECK_EQ byte [VINFO(evtchn_upcall_pending)], 1, "the send did not set evtchn_upcall_pending"
  mov ebx, [port_a]
  CHECK_EQ byte [evtchn_delivered + xbx], 0, "an upcall came while events were off"
  ; Events on: the upcall runs.
  call events_on
  mov ebx, [port_a]
  CHECK_EQ byte [evtchn_delivered + xbx], 1, "no upcall for the pending port once events were on"

  ; --- a masked port stays pending until unmasked ---
  mov eax, [port_a]
  lock bts [shared_info_page + shared_info_evtchn_mask], eax
  mov eax, EVTCHNOP_send
  mov xdx, send
  call evtchn_op
  mov ebx, [port_a]
  CHECK_EQ byte [evtchn_delivered + xbx], 1, "an upcall came for a masked port"
  TEST_PENDING [port_a]
  jc .masked_pending
  FAIL "a send to a masked port did not leave it pending"
.masked_pending:
  mov eax, [port_a]
  mov [send + evtchn_port_arg_port], eax
  mov eax, EVTCHNOP_unmask
  mov xdx, send
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_unmask"
  mov ebx, [port_a]
  CHECK_EQ byte [evtchn_delivered + xbx], 2, "EVTCHNOP_unmask did not deliver the pending port"

  ; --- VIRQ_TIMER and SCHEDOP_block ---
  mov dword [virq + evtchn_bind_virq_virq], VIRQ_TIMER
  mov dword [virq + evtchn_bind_virq_vcpu], 0
  mov eax, EVTCHNOP_bind_virq
  mov xdx, virq
  call evtchn_op
  CHECK_EQ eax, 0, "EVTCHNOP_bind_virq VIRQ_TIMER"
  mov eax, [virq + evtchn_bind_virq_port]
  mov [port_t], eax
  MARK_T0
  call events_off
  TIMER_IN 2 * MS
  CHECK_EQ eax, 0, "set_timer_op"
  ; SCHEDOP_block turns events on and sleeps until one comes.
  mov ARG1, SCHEDOP_block
  xor ARG2, ARG2
  HYPERCALL sched_op
  mov ebx, [port_t]
  cmp byte [evtchn_delivered + xbx], 1
  jae .timer_fired
  FAIL "SCHEDOP_block returned without the timer's VIRQ"
.timer_fired:
  call elapsed_since_t0
  cmp eax, 2 * MS
  jae .slept
  FAIL "SCHEDOP_block woke before the timer"
.slept:

  ; --- the vCPU singleshot timer wakes SCHEDOP_block too ---
  mov ebx, [port_t]
  mov al, [evtchn_delivered + xbx]
  mov [timer_seen], al
  MARK_T0
  DEADLINE sshot + vcpu_set_singleshot_timer_timeout_abs_ns, 2 * MS
  mov dword [sshot + vcpu_set_singleshot_timer_flags], 0
  call events_off
  mov ARG1, VCPUOP_set_singleshot_timer
  mov ARG2, 0
  mov ARG3, sshot
  HYPERCALL vcpu_op
  CHECK_EQ eax, 0, "VCPUOP_set_singleshot_timer"
  mov ARG1, SCHEDOP_block
  xor ARG2, ARG2
  HYPERCALL sched_op
  mov ebx, [port_t]
  mov al, [evtchn_delivered + xbx]
  cmp al, [timer_seen]
  ja .sshot_fired
  FAIL "the singleshot timer's VIRQ did not come"
.sshot_fired:
  call elapsed_since_t0
  cmp eax, 2 * MS
  jae .sshot_slept
  FAIL "SCHEDOP_block woke before the singleshot timer"
.sshot_slept:

  ; --- SCHEDOP_poll: timeout with nothing pending, at once when pending ---
  call events_off
  mov eax, [port_a]
  mov [poll_ports], eax
  mov WORD_PTR [poll + sched_poll_ports], poll_ports
  mov dword [poll + sched_poll_nr_ports], 1
  MARK_T0
  DEADLINE poll + sched_poll_timeout, 3 * MS
  mov ARG1, SCHEDOP_poll
  mov ARG2, poll
  HYPERCALL sched_op
  CHECK_EQ eax, 0, "SCHEDOP_poll to its timeout"
  call elapsed_since_t0
  cmp eax, 3 * MS
  jae .polled
  FAIL "SCHEDOP_poll returned before its timeout with nothing pending"
.polled:
  mov eax, [port_b]
  mov [send + evtchn_port_arg_port], eax
  mov eax, EVTCHNOP_send
  mov xdx, send
  call evtchn_op
  MARK_T0
  DEADLINE poll + sched_poll_timeout, 1000 * MS
  mov ARG1, SCHEDOP_poll
  mov ARG2, poll
  HYPERCALL sched_op
  CHECK_EQ eax, 0, "SCHEDOP_poll of a pending port"
  call elapsed_since_t0
  cmp eax, 500 * MS
  jb .poll_quick
  FAIL "SCHEDOP_poll waited though its port was pending"
.poll_quick:
  ret

; eax = low 32 bits of (now - t0) in ns (callers compare small intervals).
elapsed_since_t0:
  push xdx
  call pvclock_now
  sub eax, [t0]
  pop xdx
  ret

section .data
align 8
port_a: dd 0
port_b: dd 0
port_t: dd 0
poll_ports: dd 0
timer_seen: db 0
align 8
t0: dq 0
alloc: times evtchn_alloc_unbound_size db 0
bind: times evtchn_bind_interdomain_size db 0
status: times evtchn_status_size db 0
send: times evtchn_port_arg_size db 0
virq: times evtchn_bind_virq_size db 0
sshot: times vcpu_set_singleshot_timer_size db 0
poll: times sched_poll_size db 0
