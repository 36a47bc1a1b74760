;! build out=pvh.elf arch=x86_32 format=elf32 link=../lib/pvh.ld define=PVH
; pvh: the PVH boot ABI. Entered at the XEN_ELFNOTE_PHYS32_ENTRY address in
; 32-bit protected mode with EBX -> hvm_start_info; checks its magic and
; version, the command line (booted with "pvh-cmdline test"), that there
; are no modules, and that the memory map has RAM covering the kernel.
%include "bare.inc"
%include "hvm-start-info.inc"

test_main:
    SAY "hello from a PVH test kernel"
    mov ebx, [mb_info]
    CHECK_EQ "hvm_start_info magic", [ebx + hvm_start_info_magic], XEN_HVM_START_MAGIC_VALUE
    mov eax, [ebx + hvm_start_info_version]
    cmp eax, 1
    jae .version_ok
    FAIL "hvm_start_info version below 1 (no memory map)"
.version_ok:
    CHECK_EQ "no modules", [ebx + hvm_start_info_nr_modules], 0

    ; the command line, byte by byte
    mov esi, [ebx + hvm_start_info_cmdline_paddr]
    mov edi, expected_cmdline
    mov ecx, expected_cmdline_end - expected_cmdline
    repe cmpsb
    sete al
    movzx eax, al
    CHECK_EQ "command line is 'pvh-cmdline test'", eax, 1

    ; a RAM entry covering the kernel
    mov esi, [ebx + hvm_start_info_memmap_paddr]
    mov ecx, [ebx + hvm_start_info_memmap_entries]
    xor edx, edx
.next:
    test ecx, ecx
    jz .done
    cmp dword [esi + hvm_memmap_table_entry_type], XEN_HVM_MEMMAP_TYPE_RAM
    jne .skip
    cmp dword [esi + hvm_memmap_table_entry_addr + 4], 0
    jne .skip
    mov eax, [esi + hvm_memmap_table_entry_addr]
    cmp eax, KERNEL_BASE
    ja .skip
    add eax, [esi + hvm_memmap_table_entry_size]
    cmp eax, _bss_end
    jb .skip
    mov edx, 1
.skip:
    add esi, hvm_memmap_table_entry_size
    dec ecx
    jmp .next
.done:
    CHECK_EQ "memory map has RAM covering the kernel", edx, 1

    mov eax, cr0
    and eax, 0x80000001
    CHECK_EQ "cr0: protected mode, paging off", eax, 1
    ret

section .data
expected_cmdline: db 'pvh-cmdline test', 0
expected_cmdline_end:
section .text

%include "bare-end.inc"
