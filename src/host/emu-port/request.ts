/**
 * One request in a vCPU's emu request page, as the op handlers see it: the
 * arguments, the data area (where emu put a copy of the hypercall's
 * structure, and the host writes results back), and typed access to a Xen
 * structure or an array in it. All reads go through GuestMemory's checks.
 */
import { EMU_DATA_ARRAY_OFFSET, EMU_DATA_ARRAY_SIZE, EMU_REQ_DATA_SIZE, emuRequest } from '../../abi/emu-port.js';
import type { GuestArch, StructDecl } from '../../abi/layout.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { layoutOf, StructView, ulongSize } from '../common/struct-view.js';

export class EmuRequest {
  readonly dataAddr: number;
  private readonly argAddr: number;

  constructor(
    readonly mem: GuestMemory,
    readonly arch: GuestArch,
    readonly pageAddr: number,
  ) {
    const l = layoutOf(emuRequest, arch);
    this.dataAddr = pageAddr + l.offset('data');
    this.argAddr = pageAddr + l.offset('arg');
  }

  /** Argument i as an unsigned 64-bit value. */
  arg(i: number): bigint {
    return this.mem.read64(this.argAddr + 8 * i);
  }

  /** Argument i as a small unsigned integer (a command, a count, a vCPU id); -1 when it does not fit in 32 bits. */
  argU32(i: number): number {
    const v = this.arg(i);
    return v > 0xffffffffn ? -1 : Number(v);
  }

  /** The hypercall structure emu copied to the start of the data area. */
  struct(decl: StructDecl): StructView {
    return new StructView(this.mem, this.dataAddr, decl, this.arch);
  }

  /** Guest-physical address of the array area. */
  get arrayAddr(): number {
    return this.dataAddr + EMU_DATA_ARRAY_OFFSET;
  }

  /** How many elements of `elemSize` bytes fit in the array area. */
  arrayCapacity(elemSize: number): number {
    return Math.floor(EMU_DATA_ARRAY_SIZE / elemSize);
  }

  /** Element i of the array area as a guest unsigned long (xen_pfn_t). */
  ulongAt(i: number): bigint {
    const a = this.arrayAddr + i * ulongSize(this.arch);
    return this.arch === 'x86_64' ? this.mem.read64(a) : BigInt(this.mem.read32(a));
  }
  setUlongAt(i: number, v: bigint): void {
    const a = this.arrayAddr + i * ulongSize(this.arch);
    if (this.arch === 'x86_64') this.mem.write64(a, v);
    else this.mem.write32(a, Number(BigInt.asUintN(32, v)));
  }
  u32At(i: number): number {
    return this.mem.read32(this.arrayAddr + 4 * i);
  }

  /** `len` bytes of the data area (console text, log lines); undefined when too long. */
  bytes(len: number): Uint8Array | undefined {
    if (!Number.isInteger(len) || len < 0 || len > EMU_REQ_DATA_SIZE) return undefined;
    return this.mem.readBytes(this.dataAddr, len);
  }
  setBytes(data: Uint8Array): void {
    this.mem.writeBytes(this.dataAddr, data.subarray(0, EMU_REQ_DATA_SIZE));
  }
}
