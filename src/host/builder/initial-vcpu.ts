/**
 * The first vCPU's state at the kernel's entry point, as Xen's builder
 * sets it (vcpu_guest_context in libxenguest's vcpu_x86_64/vcpu_x86_32):
 * plain data, independent of any CPU implementation, for whoever starts
 * the vCPU (emu's entry path) to load.
 */
import type { GuestArch } from '../../abi/layout.js';
import { FLAT_KERNEL_SELECTORS, VGCF } from '../../abi/xen/arch-x86.js';
import type { PvKernel } from '../loader/pv-kernel.js';
import type { StartOfDayAddresses } from './layout.js';

/** One segment register at start of day, by value and by its Xen name. */
export interface SelectorValue {
  selector: number;
  name: string;
}

export interface InitialVcpuState {
  arch: GuestArch;
  /** The ring the kernel runs in: 3 (64-bit) or 1 (32-bit PAE), with emu in ring 0. */
  kernelRing: 3 | 1;
  rip: bigint;
  rsp: bigint;
  /** start_info's virtual address. */
  rsi: bigint;
  /** Interrupts "enabled" (IF): events are masked in vcpu_info instead. */
  rflags: bigint;
  /** Machine address of the top-level page table. */
  cr3: bigint;
  cs: SelectorValue;
  ds: SelectorValue;
  es: SelectorValue;
  fs: SelectorValue;
  gs: SelectorValue;
  ss: SelectorValue;
  /** The kernel stack registered for ring transitions (kernel_ss/kernel_sp). */
  kernelSs: number;
  kernelSp: bigint;
  /** VGCF_in_kernel | VGCF_online. */
  flags: number;
  dr6: bigint;
  dr7: bigint;
  /** 32-bit only: the guest accepts an L3 above 4 GiB (VMASST_TYPE_pae_extended_cr3). */
  paeExtendedCr3: boolean;
}

const X86_DR6_DEFAULT = 0xffff0ff0n;
const X86_DR7_DEFAULT = 0x400n;

export function initialVcpu(kernel: PvKernel, addrs: StartOfDayAddresses, topMfn: number): InitialVcpuState {
  const arch = kernel.arch;
  const sel = FLAT_KERNEL_SELECTORS[arch];
  const is64 = arch === 'x86_64';
  const ds: SelectorValue = { selector: sel.ds, name: is64 ? 'FLAT_KERNEL_DS64' : 'FLAT_KERNEL_DS' };
  return {
    arch,
    kernelRing: is64 ? 3 : 1,
    rip: kernel.entry,
    rsp: addrs.stackTop,
    rsi: addrs.startInfo,
    rflags: 1n << 9n,
    cr3: BigInt(topMfn) << 12n,
    cs: { selector: sel.cs, name: is64 ? 'FLAT_KERNEL_CS64' : 'FLAT_KERNEL_CS' },
    ds,
    es: ds,
    fs: ds,
    gs: ds,
    ss: { selector: sel.ss, name: is64 ? 'FLAT_KERNEL_SS64' : 'FLAT_KERNEL_SS' },
    kernelSs: sel.ss,
    kernelSp: addrs.stackTop,
    flags: VGCF.in_kernel | VGCF.online,
    dr6: X86_DR6_DEFAULT,
    dr7: X86_DR7_DEFAULT,
    paeExtendedCr3: !is64 && (kernel.info.paeMode === 'extended-cr3' || kernel.info.paeMode === 'bimodal'),
  };
}
