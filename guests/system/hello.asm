;! build out=hello.bin arch=x86_32 format=bin
;! build out=hello-fail.bin arch=x86_32 format=bin define=FORCE_FAILURE
; hello: the smallest bare-machine kernel. Checks what the multiboot loader
; hands over: EAX magic, the information structure (memory sizes, memory
; map, command line, boot loader name) and the initial CPU state (protected
; mode, paging off, interrupts off), then says hello on both consoles.
; hello-fail.bin is the same with one failure forced: it proves that a
; failing check reaches the result line and the exit status.
%include "bare.inc"

test_main:
    SAY "hello from a bare-machine test kernel"
%ifdef FORCE_FAILURE
    CHECK_EQ "a forced failure", 1, 2
%endif
    CHECK_EQ "multiboot magic in eax", [mb_magic], MULTIBOOT_BOOTLOADER_MAGIC
    mov ebx, [mb_info]
    mov eax, [ebx + multiboot_info_flags]
    and eax, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_CMDLINE
    CHECK_EQ "info flags: memory, memory map, command line", eax, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_CMDLINE
    CHECK_EQ "mem_lower is 639 KiB", [ebx + multiboot_info_mem_lower], 639

    ; mem_upper: at least 15 MiB (every machine we boot has 16 MiB or more)
    mov eax, [ebx + multiboot_info_mem_upper]
    cmp eax, 15 * 1024
    jae .upper_ok
    FAIL "mem_upper below 15 MiB"
.upper_ok:

    ; The memory map has an available entry that covers this kernel.
    mov esi, [ebx + multiboot_info_mmap_addr]
    mov edi, esi
    add edi, [ebx + multiboot_info_mmap_length]
    xor edx, edx                    ; found
.mmap_next:
    cmp esi, edi
    jae .mmap_done
    cmp dword [esi + multiboot_mmap_entry_type], MULTIBOOT_MEMORY_AVAILABLE
    jne .mmap_skip
    cmp dword [esi + multiboot_mmap_entry_addr_hi], 0
    jne .mmap_skip
    mov eax, [esi + multiboot_mmap_entry_addr_lo]
    cmp eax, KERNEL_BASE
    ja .mmap_skip
    add eax, [esi + multiboot_mmap_entry_len_lo]
    cmp eax, _bss_end
    jb .mmap_skip
    mov edx, 1
.mmap_skip:
    mov eax, [esi + multiboot_mmap_entry_size]
    lea esi, [esi + eax + 4]
    jmp .mmap_next
.mmap_done:
    CHECK_EQ "memory map covers the kernel", edx, 1

    ; The command line: the loader puts the kernel's name first (GRUB,
    ; QEMU and xenner do), then what it was given: booted with "hello-arg".
    mov esi, [ebx + multiboot_info_cmdline]
    mov edi, esi
    xor eax, eax
    mov ecx, 4096
    repne scasb                     ; edi: past the NUL
    sub edi, expected_arg_end - expected_arg + 1
    cmp edi, esi
    jb .cmdline_bad
    mov esi, edi
    mov edi, expected_arg
    mov ecx, expected_arg_end - expected_arg
    repe cmpsb
    je .cmdline_ok
.cmdline_bad:
    FAIL "command line does not end with ' hello-arg'"
.cmdline_ok:

    ; A boot loader name, when the flag says there is one.
    mov eax, [ebx + multiboot_info_flags]
    test eax, MULTIBOOT_INFO_BOOT_LOADER_NAME
    jz .no_name
    mov esi, [ebx + multiboot_info_boot_loader_name]
    movzx eax, byte [esi]
    test eax, eax
    jnz .no_name
    FAIL "empty boot loader name"
.no_name:

    ; Initial state: CR0.PE set, CR0.PG clear, IF clear, EFLAGS.VM clear.
    mov eax, cr0
    and eax, 0x80000001
    CHECK_EQ "cr0: protected mode, paging off", eax, 1
    pushfd
    pop eax
    and eax, 0x00020200
    CHECK_EQ "eflags: IF and VM clear", eax, 0
    ret

section .data
expected_arg: db ' hello-arg'
expected_arg_end:
section .text

%include "bare-end.inc"
