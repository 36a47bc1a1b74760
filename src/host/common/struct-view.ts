/**
 * Field access to a Xen structure that lives in guest memory, laid out for
 * the guest's word size. Slow path (hypercall arguments, not the CPU loop):
 * clarity over speed. Every access goes through GuestMemory's bounds checks.
 */
import { layout, type GuestArch, type StructDecl, type StructLayout } from '../../abi/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';

const cache = new WeakMap<StructDecl, Partial<Record<GuestArch, StructLayout>>>();

/** The layout of `decl` for `arch`, computed once. */
export function layoutOf(decl: StructDecl, arch: GuestArch): StructLayout {
  let perArch = cache.get(decl);
  if (perArch === undefined) {
    perArch = {};
    cache.set(decl, perArch);
  }
  return (perArch[arch] ??= layout(decl, arch));
}

export class StructView {
  readonly layout: StructLayout;

  constructor(
    private readonly mem: GuestMemory,
    readonly base: number,
    decl: StructDecl,
    readonly arch: GuestArch,
  ) {
    this.layout = layoutOf(decl, arch);
    mem.check(base, this.layout.size);
  }

  get size(): number {
    return this.layout.size;
  }

  addr(field: string): number {
    return this.base + this.layout.offset(field);
  }

  u8(field: string): number {
    return this.mem.read8(this.addr(field));
  }
  u16(field: string): number {
    return this.mem.read16(this.addr(field));
  }
  u32(field: string): number {
    return this.mem.read32(this.addr(field));
  }
  u64(field: string): bigint {
    return this.mem.read64(this.addr(field));
  }
  /** A guest `unsigned long` as bigint (8 bytes on x86_64, 4 on x86_32). */
  ulong(field: string): bigint {
    return this.arch === 'x86_64' ? this.mem.read64(this.addr(field)) : BigInt(this.mem.read32(this.addr(field)));
  }

  setU8(field: string, v: number): void {
    this.mem.write8(this.addr(field), v);
  }
  setU16(field: string, v: number): void {
    this.mem.write16(this.addr(field), v & 0xffff);
  }
  setU32(field: string, v: number): void {
    this.mem.write32(this.addr(field), v >>> 0);
  }
  setU64(field: string, v: bigint): void {
    this.mem.write64(this.addr(field), v);
  }
  setUlong(field: string, v: bigint): void {
    if (this.arch === 'x86_64') this.mem.write64(this.addr(field), v);
    else this.mem.write32(this.addr(field), Number(BigInt.asUintN(32, v)));
  }
}

/** Size in bytes of a guest `unsigned long` (xen_pfn_t, xen_ulong_t). */
export function ulongSize(arch: GuestArch): number {
  return arch === 'x86_64' ? 8 : 4;
}

/** bigint to a safe integer, or undefined when it is not one (a hostile 64-bit value). */
export function toSafe(v: bigint): number | undefined {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : undefined;
}
