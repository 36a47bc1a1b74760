; xenstore: the xs_wire protocol on the store ring, through the library's
; client (pv/xenstore.inc). The domain's own path (XS_GET_DOMAIN_PATH of
; the domid read from "domid"), its name by relative and absolute path;
; write, read back and rm; ENOENT for a missing node and EACCES for one the
; toolstack owns; the directory of a node with children; mkdir, and a
; node's permissions (ours alone as created, then readable by domain 0
; after XS_SET_PERMS); a watch that fires on registration and on a write,
; and is silent once removed or after XS_RESET_WATCHES; a transaction
; that commits (invisible outside until then) and one that gets EAGAIN
; because the node it read was written outside it. A domU-only guest.
;
;! build out=xenstore-pv64.elf arch=x86_64 format=elf64 link=../../lib/pv/pv64.ld
;! build out=xenstore-pv32.elf arch=x86_32 format=elf32 link=../../lib/pv/pv32.ld

%include "pv/pv.inc"
%include "pv/mm.inc"
%include "pv/events.inc"
%include "pv/time.inc"
%include "pv/xenstore.inc"

; The reply's type is %1.
%macro XS_TYPE 2  ; type, "what"
  CHECK_EQ eax, %1, %2
%endmacro

section .text
test_main:
  call map_shared_info
  call xs_init
  mov eax, [xs_port]
  CHECK_NE eax, 0, "start_info store evtchn is 0"

  ; --- our domain id, and the domain path the store gives for it ---
  XS_REQ XS_READ, "domid", 0
  XS_TYPE XS_READ, "XS_READ domid"
  mov ecx, [xs_reply_len]
  CHECK_NE ecx, 0, "domid is empty"
  cmp ecx, 5
  jbe .domid_fits
  PANIC "domid is longer than 5 digits"
.domid_fits:
  lea xsi, [xs_reply]
  lea xdi, [domid_text]
  inc ecx                               ; with its NUL
  mov [domid_size], ecx
  rep movsb
  mov eax, XS_GET_DOMAIN_PATH
  lea xdx, [domid_text]
  mov ecx, [domid_size]
  call xs_request
  XS_TYPE XS_GET_DOMAIN_PATH, "XS_GET_DOMAIN_PATH"
  ; Expected: "/local/domain/" <domid> NUL.
  lea xdi, [path]
  lea xsi, [local_domain]
  mov ecx, local_domain_len
  rep movsb
  lea xsi, [domid_text]
  mov ecx, [domid_size]
  rep movsb
  lea xax, [path]
  sub xdi, xax
  mov [path_size], edi
  mov xdx, xdi
  lea xcx, [xs_reply]
  call xs_bytes_equal
  jne .bad_path
  mov eax, [xs_reply_len]
  cmp eax, [path_size]
  je .path_ok
.bad_path:
  FAIL "XS_GET_DOMAIN_PATH is not /local/domain/<domid>"
.path_ok:

  ; --- the name, relative and absolute ---
  XS_REQ XS_READ, "name", 0
  XS_TYPE XS_READ, "XS_READ name"
  mov ecx, [xs_reply_len]
  CHECK_NE ecx, 0, "the domain's name is empty"
  mov [name_len], ecx
  lea xsi, [xs_reply]
  lea xdi, [name]
  rep movsb
  ; path (its NUL replaced) + "/name" NUL
  mov ecx, [path_size]
  lea xdi, [path + xcx - 1]
  lea xsi, [slash_name]
  mov ecx, slash_name_len
  rep movsb
  mov eax, XS_READ
  lea xdx, [path]
  mov ecx, [path_size]
  add ecx, slash_name_len - 1
  call xs_request
  XS_TYPE XS_READ, "XS_READ of the absolute name path"
  lea xax, [name]
  mov edx, [name_len]
  lea xcx, [xs_reply]
  call xs_bytes_equal
  jne .bad_name
  mov eax, [xs_reply_len]
  cmp eax, [name_len]
  je .name_ok
.bad_name:
  FAIL "the absolute path reads another name"
.name_ok:

  ; --- write, read back, rm ---
  XS_REQ XS_WRITE, "data/xt/a", 0, "hello"
  XS_TYPE XS_WRITE, "XS_WRITE"
  XS_EXPECT "XS_WRITE reply", "OK", 0
  XS_REQ XS_READ, "data/xt/a", 0
  XS_TYPE XS_READ, "XS_READ of a written node"
  XS_EXPECT "read back", "hello"
  XS_REQ XS_RM, "data/xt/a", 0
  XS_TYPE XS_RM, "XS_RM"
  XS_EXPECT "XS_RM reply", "OK", 0
  XS_REQ XS_READ, "data/xt/a", 0
  XS_TYPE XS_ERROR, "XS_READ of a removed node"
  XS_EXPECT "the error for a removed node", "ENOENT", 0

  ; --- errors ---
  XS_REQ XS_READ, "data/xt/missing/node", 0
  XS_TYPE XS_ERROR, "XS_READ of a missing node"
  XS_EXPECT "the error for a missing node", "ENOENT", 0
  XS_REQ XS_WRITE, "name", 0, "renamed"
  XS_TYPE XS_ERROR, "XS_WRITE of the toolstack's name node"
  XS_EXPECT "the error for writing name", "EACCES", 0

  ; --- a directory with children ---
  XS_REQ XS_WRITE, "data/xt/dir/x", 0, "1"
  XS_TYPE XS_WRITE, "XS_WRITE dir/x"
  XS_REQ XS_WRITE, "data/xt/dir/y", 0, "2"
  XS_TYPE XS_WRITE, "XS_WRITE dir/y"
  XS_REQ XS_DIRECTORY, "data/xt/dir", 0
  XS_TYPE XS_DIRECTORY, "XS_DIRECTORY"
  XS_EXPECT "the directory's children", "x", 0, "y", 0

  ; --- mkdir, and permissions: ours ("n<domid>") until we let domain 0 read ---
  XS_REQ XS_MKDIR, "data/xt/m", 0
  XS_TYPE XS_MKDIR, "XS_MKDIR"
  XS_EXPECT "XS_MKDIR reply", "OK", 0
  XS_REQ XS_READ, "data/xt/m", 0
  XS_TYPE XS_READ, "XS_READ of a new directory"
  XS_EXPECT "a new directory's value", ""
  XS_REQ XS_GET_PERMS, "data/xt/m", 0
  XS_TYPE XS_GET_PERMS, "XS_GET_PERMS"
  ; expected: "n" <domid> NUL
  lea xdi, [perms_text]
  mov byte [xdi], 'n'
  inc xdi
  lea xsi, [domid_text]
  mov ecx, [domid_size]
  rep movsb
  lea xax, [perms_text]
  sub xdi, xax
  mov [perms_size], edi
  call reply_is_perms
  jz .own_perms
  FAIL "a node we created is not ours alone"
.own_perms:
  ; XS_SET_PERMS "data/xt/m" NUL "n<domid>" NUL "r0" NUL
  lea xdi, [request]
  lea xsi, [mkdir_path]
  mov ecx, mkdir_path_len
  rep movsb
  lea xsi, [perms_text]
  mov ecx, [perms_size]
  rep movsb
  lea xsi, [dom0_reads]
  mov ecx, dom0_reads_len
  rep movsb
  lea xax, [request]
  sub xdi, xax
  mov xcx, xdi
  mov eax, XS_SET_PERMS
  lea xdx, [request]
  call xs_request
  XS_TYPE XS_SET_PERMS, "XS_SET_PERMS"
  XS_EXPECT "XS_SET_PERMS reply", "OK", 0
  XS_REQ XS_GET_PERMS, "data/xt/m", 0
  XS_TYPE XS_GET_PERMS, "XS_GET_PERMS after XS_SET_PERMS"
  ; expected now: "n" <domid> NUL "r0" NUL
  mov ecx, [perms_size]
  lea xdi, [perms_text + xcx]
  lea xsi, [dom0_reads]
  mov ecx, dom0_reads_len
  rep movsb
  add dword [perms_size], dom0_reads_len
  call reply_is_perms
  jz .set_perms
  FAIL "XS_GET_PERMS after XS_SET_PERMS"
.set_perms:

  ; --- a watch: fires when set, on a write, then no more once removed ---
  XS_REQ XS_WATCH, "data/xt/w", 0, "tok", 0
  XS_TYPE XS_WATCH, "XS_WATCH"
  XS_EXPECT "XS_WATCH reply", "OK", 0
  XS_EVENT_EXPECT "the watch's first event", "data/xt/w", 0, "tok", 0
  XS_REQ XS_WRITE, "data/xt/w", 0, "v"
  XS_TYPE XS_WRITE, "XS_WRITE of the watched node"
  XS_EVENT_EXPECT "the watch event for a write", "data/xt/w", 0, "tok", 0
  XS_REQ XS_UNWATCH, "data/xt/w", 0, "tok", 0
  XS_TYPE XS_UNWATCH, "XS_UNWATCH"
  XS_REQ XS_WRITE, "data/xt/w", 0, "v2"
  XS_TYPE XS_WRITE, "XS_WRITE after XS_UNWATCH"
  XS_REQ XS_READ, "data/xt/w", 0
  XS_EXPECT "read after XS_UNWATCH", "v2"
  CHECK_EQ dword [xs_events], 0, "a watch event after XS_UNWATCH"

  ; --- XS_RESET_WATCHES drops every watch ---
  XS_REQ XS_WATCH, "data/xt/r", 0, "tok2", 0
  XS_TYPE XS_WATCH, "second XS_WATCH"
  XS_EVENT_EXPECT "the second watch's first event", "data/xt/r", 0, "tok2", 0
  XS_REQ XS_RESET_WATCHES, 0
  XS_TYPE XS_RESET_WATCHES, "XS_RESET_WATCHES"
  XS_REQ XS_WRITE, "data/xt/r", 0, "x"
  XS_REQ XS_READ, "data/xt/r", 0
  XS_EXPECT "read after XS_RESET_WATCHES", "x"
  CHECK_EQ dword [xs_events], 0, "a watch event after XS_RESET_WATCHES"

  ; --- a transaction that commits ---
  XS_REQ XS_TRANSACTION_START, 0
  XS_TYPE XS_TRANSACTION_START, "XS_TRANSACTION_START"
  call xs_reply_number
  CHECK_NE eax, 0, "transaction id 0"
  mov [tx_id], eax
  mov [xs_tx], eax
  XS_REQ XS_WRITE, "data/xt/t", 0, "one"
  XS_TYPE XS_WRITE, "XS_WRITE in a transaction"
  mov dword [xs_tx], 0
  XS_REQ XS_READ, "data/xt/t", 0
  XS_TYPE XS_ERROR, "a transaction's write is visible before it commits"
  XS_EXPECT "the error outside the transaction", "ENOENT", 0
  mov eax, [tx_id]
  mov [xs_tx], eax
  XS_REQ XS_TRANSACTION_END, "T", 0
  XS_TYPE XS_TRANSACTION_END, "XS_TRANSACTION_END (commit)"
  XS_EXPECT "the commit's reply", "OK", 0
  mov dword [xs_tx], 0
  XS_REQ XS_READ, "data/xt/t", 0
  XS_EXPECT "the committed value", "one"

  ; --- a transaction that conflicts: EAGAIN ---
  XS_REQ XS_TRANSACTION_START, 0
  XS_TYPE XS_TRANSACTION_START, "second XS_TRANSACTION_START"
  call xs_reply_number
  mov [tx_id], eax
  mov [xs_tx], eax
  XS_REQ XS_READ, "data/xt/t", 0
  XS_EXPECT "read in a transaction", "one"
  XS_REQ XS_WRITE, "data/xt/t", 0, "two"
  XS_TYPE XS_WRITE, "XS_WRITE in the second transaction"
  mov dword [xs_tx], 0
  XS_REQ XS_WRITE, "data/xt/t", 0, "outside"
  XS_TYPE XS_WRITE, "XS_WRITE outside the transaction"
  mov eax, [tx_id]
  mov [xs_tx], eax
  XS_REQ XS_TRANSACTION_END, "T", 0
  XS_TYPE XS_ERROR, "a conflicting transaction committed"
  XS_EXPECT "the conflict's error", "EAGAIN", 0
  mov dword [xs_tx], 0
  XS_REQ XS_READ, "data/xt/t", 0
  XS_EXPECT "the value after the failed commit", "outside"

  XS_REQ XS_RM, "data/xt", 0
  XS_TYPE XS_RM, "XS_RM of the test's nodes"
  ret

; ZF when the reply is exactly perms_text[0, perms_size).
reply_is_perms:
  push xax
  push xcx
  push xdx
  lea xax, [perms_text]
  mov edx, [perms_size]
  lea xcx, [xs_reply]
  call xs_bytes_equal
  jne .out
  mov eax, [xs_reply_len]
  cmp eax, [perms_size]
.out:
  pop xdx
  pop xcx
  pop xax
  ret

section .rodata
mkdir_path: db "data/xt/m", 0
mkdir_path_len equ $ - mkdir_path
dom0_reads: db "r0", 0
dom0_reads_len equ $ - dom0_reads
local_domain: db "/local/domain/"
local_domain_len equ $ - local_domain
slash_name: db "/name", 0
slash_name_len equ $ - slash_name

section .data
align 4
domid_size: dd 0
path_size: dd 0
name_len: dd 0
tx_id: dd 0
perms_size: dd 0

section .bss
domid_text: resb 16
perms_text: resb 32
request: resb 64
path: resb 64
name: resb XS_PAYLOAD_MAX
