; Benchmark guest: a multiboot kernel (a.out kludge) that enters long mode
; (4-level paging, 2 MiB pages, identity map of 1 GiB), prints 'S' on COM1,
; runs the 64-bit version of the integer loop, prints 'D' and halts. v86 has
; no long mode, so only our CPU runs it.
;
;! build out=int64.bin arch=x86_64 format=bin

bits 32
LOAD_ADDR equ 0x100000
org LOAD_ADDR

COM1 equ 0x3f8
PML4 equ 0x200000
PDPT equ 0x201000
PD equ 0x202000
DATA equ 0x400000
INT_ITERATIONS equ 5000000

multiboot_header:
    dd 0x1badb002
    dd 0x00010000
    dd -(0x1badb002 + 0x00010000)
    dd multiboot_header
    dd LOAD_ADDR
    dd 0
    dd 0
    dd start

start:
    cli
    mov esp, 0x90000
    ; PML4[0] -> PDPT, PDPT[0] -> PD, PD: 512 x 2 MiB pages.
    mov dword [PML4], PDPT | 3
    mov dword [PML4 + 4], 0
    mov dword [PDPT], PD | 3
    mov dword [PDPT + 4], 0
    xor eax, eax
.pde:
    mov edx, eax
    shl edx, 21
    or edx, 0x83
    mov [PD + eax * 8], edx
    mov dword [PD + eax * 8 + 4], 0
    inc eax
    cmp eax, 512
    jb .pde
    mov eax, cr4
    or eax, 0x20                ; PAE
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax
    mov ecx, 0xc0000080         ; EFER.LME
    rdmsr
    or eax, 0x100
    wrmsr
    lgdt [gdt_ptr]
    mov eax, cr0
    or eax, 0x80000001
    mov cr0, eax
    jmp 0x08:long_mode

align 8
gdt:
    dq 0
    dq 0x00af9a000000ffff       ; 0x08: 64-bit code
    dq 0x00cf92000000ffff       ; 0x10: data
gdt_ptr:
    dw gdt_ptr - gdt - 1
    dd gdt

bits 64
long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, 0x90000
    mov dx, COM1
    mov al, 'S'
    out dx, al

    ; The integer loop of workloads32.asm with 64-bit registers.
    mov rcx, INT_ITERATIONS
    mov rsi, DATA
    xor ebx, ebx
    mov r8, 0x5a5a5a5a5a5a5a5a
.loop:
    mov rax, [rsi]
    add rax, rcx
    xor rax, r8
    mov [rsi], rax
    lea rdx, [rax + rcx * 4]
    shr rdx, 3
    add rbx, rdx
    cmp rbx, 0x10000
    jb .skip
    sub rbx, 0x10000
.skip:
    dec rcx
    jnz .loop

    mov dx, COM1
    mov al, 'D'
    out dx, al
.halt:
    hlt
    jmp .halt
