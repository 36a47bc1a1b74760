/**
 * The state the pv machine starts a vCPU in: emu's entry point in ring 0,
 * on the guest's initial page tables (which carry emu's hole entries),
 * interrupts off: long mode for emu64, 32-bit protected mode with PAE
 * paging for emu32. emu loads its own GDT, IDT and TSS at once, so the
 * segment caches only need to describe a flat ring-0 world.
 */
import type { VcpuRegs, VcpuSegment, VcpuSregs } from '../../cpu/contract.js';
import { APIC_BASE_RESET } from '../boot/flat32.js';

import type { GuestArch } from '../../abi/layout.js';

/** emu's ring-0 selectors (Xen's __HYPERVISOR_CS / DS). */
const EMU_CS = 0xe008;
const EMU_DS = 0xe010;

const CR0_PE = 1n << 0n;
const CR0_MP = 1n << 1n;
const CR0_ET = 1n << 4n;
const CR0_NE = 1n << 5n;
const CR0_WP = 1n << 16n;
const CR0_PG = 1n << 31n;
const CR4_PAE = 1n << 5n;
const CR4_OSFXSR = 1n << 9n;
const CR4_OSXMMEXCPT = 1n << 10n;
const EFER_SCE = 1n << 0n;
const EFER_LME = 1n << 8n;
const EFER_LMA = 1n << 10n;
const EFER_NXE = 1n << 11n;

function segment(selector: number, type: number, l: boolean): VcpuSegment {
  return { base: 0n, limit: 0xffffffff, selector, type, present: true, dpl: 0, db: !l, s: true, l, g: true, avl: false, unusable: false };
}

function unusable(): VcpuSegment {
  return { base: 0n, limit: 0, selector: 0, type: 0, present: false, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: true };
}

export function emuEntrySregs(arch: GuestArch, cr3: bigint): VcpuSregs {
  const long = arch === 'x86_64';
  // emu32 addresses its data through ds and es from its first instruction.
  const data = long ? unusable() : segment(EMU_DS, 0x3, false);
  return {
    cs: segment(EMU_CS, 0xb, long),
    ss: segment(EMU_DS, 0x3, false),
    ds: data, es: { ...data }, fs: unusable(), gs: unusable(),
    // A placeholder busy TSS until emu loads its own.
    tr: { base: 0n, limit: 0x67, selector: 0, type: 0xb, present: true, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: false },
    ldt: unusable(),
    gdt: { base: 0n, limit: 0 },
    idt: { base: 0n, limit: 0 },
    cr0: CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG,
    cr2: 0n,
    cr3,
    cr4: CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT,
    cr8: 0n,
    efer: long ? EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE : EFER_NXE,
    apicBase: APIC_BASE_RESET,
  };
}

export function emuEntryRegs(entry: bigint, stackTop: bigint, vcpuId: number): VcpuRegs {
  return {
    rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n,
    rsi: 0n, rdi: BigInt(vcpuId), rsp: stackTop, rbp: 0n,
    r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n,
    rip: entry, rflags: 2n,
  };
}
