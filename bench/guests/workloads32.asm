; Benchmark guests: 32-bit multiboot kernels (a.out kludge, flat binary) that
; turn on paging (4 MiB pages, identity map), print 'S' on COM1, run one
; CPU-bound workload, print 'D' and halt. The same binary runs on our CPU and
; on v86, so both emulators do the same work with paging on.
;
;! build out=int32.bin arch=x86_32 format=bin define=WORKLOAD_INT
;! build out=memcpy32.bin arch=x86_32 format=bin define=WORKLOAD_MEMCPY
;! build out=calls32.bin arch=x86_32 format=bin define=WORKLOAD_CALLS
;! build out=tlb32.bin arch=x86_32 format=bin define=WORKLOAD_TLB

bits 32
LOAD_ADDR equ 0x100000
org LOAD_ADDR

COM1 equ 0x3f8
PAGE_DIR equ 0x200000           ; 4 KiB page directory
PAGE_TABLES equ 0x201000        ; 16 page tables (64 MiB of 4 KiB pages) for the TLB workload
DATA equ 0x400000               ; workload data

INT_ITERATIONS equ 5000000
MEMCPY_BYTES equ 262144
MEMCPY_ROUNDS equ 400
FIB_N equ 27
TLB_ROUNDS equ 200
TLB_PAGES equ 4096              ; 16 MiB touched with 4 KiB pages

multiboot_header:
    dd 0x1badb002
    dd 0x00010000
    dd -(0x1badb002 + 0x00010000)
    dd multiboot_header         ; header_addr
    dd LOAD_ADDR                ; load_addr
    dd 0                        ; load_end_addr: whole file
    dd 0                        ; bss_end_addr
    dd start                    ; entry_addr

start:
    cli
    mov esp, 0x90000
    ; Page directory: identity map 0-1 GiB with 4 MiB pages, except
    ; 16-80 MiB, which goes through 4 KiB page tables.
    mov edi, PAGE_DIR
    xor eax, eax
    mov ecx, 256
.pde:
    mov edx, eax
    shl edx, 22
    or edx, 0x87                ; present, writable, user, 4 MiB
    mov [edi + eax * 4], edx
    inc eax
    loop .pde
    mov edi, PAGE_TABLES
    mov eax, 0x1000000 | 7
    mov ecx, 16 * 1024
.pte:
    mov [edi], eax
    add edi, 4
    add eax, 0x1000
    loop .pte
    mov edi, PAGE_DIR + 4 * 4
    mov eax, PAGE_TABLES | 7
    mov ecx, 16
.pt:
    mov [edi], eax
    add edi, 4
    add eax, 0x1000
    loop .pt
    mov eax, cr4
    or eax, 0x10                ; PSE
    mov cr4, eax
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    mov dx, COM1
    mov al, 'S'
    out dx, al

%ifdef WORKLOAD_INT
    ; An integer mix with loads and stores: ALU, LEA, shifts, compare and branch.
    mov ecx, INT_ITERATIONS
    mov esi, DATA
    xor ebx, ebx
.loop:
    mov eax, [esi]
    add eax, ecx
    xor eax, 0x5a5a5a5a
    mov [esi], eax
    lea edx, [eax + ecx * 4]
    shr edx, 3
    add ebx, edx
    cmp ebx, 0x10000
    jb .skip
    sub ebx, 0x10000
.skip:
    dec ecx
    jnz .loop
%endif

%ifdef WORKLOAD_MEMCPY
    ; memcpy with REP MOVSD between two 256 KiB buffers.
    mov ebx, MEMCPY_ROUNDS
.round:
    mov esi, DATA
    mov edi, DATA + 0x100000
    mov ecx, MEMCPY_BYTES / 4
    cld
    rep movsd
    dec ebx
    jnz .round
%endif

%ifdef WORKLOAD_CALLS
    ; Call-heavy: naive recursive Fibonacci.
    mov eax, FIB_N
    call fib
    jmp done
fib:
    cmp eax, 2
    jb .leaf
    push eax
    dec eax
    call fib
    mov edx, eax
    pop eax
    push edx
    sub eax, 2
    call fib
    pop edx
    add eax, edx
    ret
.leaf:
    ret
%endif

%ifdef WORKLOAD_TLB
    ; TLB thrashing: one load per 4 KiB page over 16 MiB.
    mov ebx, TLB_ROUNDS
.round:
    mov esi, 0x1000000
    mov ecx, TLB_PAGES
.page:
    add eax, [esi]
    add esi, 0x1000
    dec ecx
    jnz .page
    dec ebx
    jnz .round
%endif

done:
    mov dx, COM1
    mov al, 'D'
    out dx, al
.halt:
    hlt
    jmp .halt
