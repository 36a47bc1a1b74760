/**
 * The CPU state multiboot and PVH kernels are entered in: 32-bit protected
 * mode, flat 4 GiB code and data segments, paging off, interrupts off. The
 * segment caches are described as kvm_segment structures would be after a
 * boot loader's far jump; the selectors point at no GDT the guest can see
 * (both specifications say the kernel must load its own before reloading a
 * segment register), which matches what QEMU's option ROMs leave behind.
 */
import type { VcpuRegs, VcpuSegment, VcpuSregs } from '../../cpu/contract.js';

export const FLAT_CODE_SELECTOR = 0x10;
export const FLAT_DATA_SELECTOR = 0x18;
/** CR0.PE | CR0.ET: protected mode, paging and caches as at reset otherwise. */
export const CR0_PE = 0x1n;
export const CR0_ET = 0x10n;
/** RFLAGS bit 1 is always set; IF, TF and VM are clear. */
export const RFLAGS_FIXED = 0x2n;
/** IA32_APIC_BASE at reset: 0xfee00000, enabled, bootstrap processor. */
export const APIC_BASE_RESET = 0xfee00900n;

const SEG_TYPE_CODE_XR_ACCESSED = 0xb;
const SEG_TYPE_DATA_RW_ACCESSED = 0x3;
const SEG_TYPE_TSS32_BUSY = 0xb;
const SEG_TYPE_LDT = 0x2;

function flat(selector: number, type: number): VcpuSegment {
  return { base: 0n, limit: 0xffffffff, selector, type, present: true, dpl: 0, db: true, s: true, l: false, g: true, avl: false, unusable: false };
}

export interface Flat32Entry {
  eip: number;
  eax: number;
  ebx: number;
  /** Limit of the (busy, base 0) task register: PVH says 0x67. */
  trLimit: number;
}

export function flat32Regs(e: Flat32Entry): VcpuRegs {
  return {
    rax: BigInt(e.eax >>> 0), rbx: BigInt(e.ebx >>> 0), rcx: 0n, rdx: 0n,
    rsi: 0n, rdi: 0n, rsp: 0n, rbp: 0n,
    r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n,
    rip: BigInt(e.eip >>> 0), rflags: RFLAGS_FIXED,
  };
}

export function flat32Sregs(e: Flat32Entry): VcpuSregs {
  const data = (): VcpuSegment => flat(FLAT_DATA_SELECTOR, SEG_TYPE_DATA_RW_ACCESSED);
  return {
    cs: flat(FLAT_CODE_SELECTOR, SEG_TYPE_CODE_XR_ACCESSED),
    ds: data(), es: data(), fs: data(), gs: data(), ss: data(),
    tr: { base: 0n, limit: e.trLimit, selector: 0, type: SEG_TYPE_TSS32_BUSY, present: true, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: false },
    ldt: { base: 0n, limit: 0xffff, selector: 0, type: SEG_TYPE_LDT, present: false, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: true },
    gdt: { base: 0n, limit: 0xffff },
    idt: { base: 0n, limit: 0xffff },
    cr0: CR0_PE | CR0_ET, cr2: 0n, cr3: 0n, cr4: 0n, cr8: 0n,
    efer: 0n,
    apicBase: APIC_BASE_RESET,
  };
}
