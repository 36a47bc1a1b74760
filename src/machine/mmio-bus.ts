/**
 * The MMIO bus: guest-physical ranges outside RAM claimed by devices. Claims
 * are kept sorted by base and found by binary search; MMIO exits are rare
 * next to port I/O on the machines we build, and address space is 52 bits,
 * so there is no flat table here.
 *
 * An 8-byte access is two 4-byte device accesses (low half, then high), so
 * devices only ever see values that fit a number. Unclaimed reads return
 * all-ones; unclaimed writes are dropped, logged at debug.
 */
import type { Logger } from '../log/logger.js';
import { allOnes, type BusDevice } from './bus-device.js';

/** Physical addresses are below 2^52 (the architectural MAXPHYADDR). */
export const MAX_PHYS_ADDR = 2 ** 52;

interface Claim {
  name: string;
  base: number;
  length: number;
  device: BusDevice;
}

export class MmioBus {
  /** Sorted by base, never overlapping. */
  private readonly claims: Claim[] = [];

  constructor(private readonly logger?: Logger) {}

  register(name: string, base: number, length: number, device: BusDevice): void {
    if (!Number.isSafeInteger(base) || !Number.isSafeInteger(length) || base < 0 || length < 1 || base + length > MAX_PHYS_ADDR) {
      throw new RangeError(`${name}: bad MMIO range 0x${base.toString(16)}+${length}`);
    }
    const i = this.firstEndingAfter(base);
    const next = this.claims[i];
    if (next !== undefined && next.base < base + length) {
      throw new Error(`${name}: MMIO 0x${base.toString(16)}+0x${length.toString(16)} overlaps ${next.name} at 0x${next.base.toString(16)}+0x${next.length.toString(16)}`);
    }
    this.claims.splice(i, 0, { name, base, length, device });
  }

  /** Index of the first claim whose end lies above addr. */
  private firstEndingAfter(addr: number): number {
    let lo = 0;
    let hi = this.claims.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.claims[mid]!;
      if (c.base + c.length <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private find(addr: number): Claim | undefined {
    const c = this.claims[this.firstEndingAfter(addr)];
    return c !== undefined && c.base <= addr ? c : undefined;
  }

  /** Read `len` (1, 2, 4 or 8) bytes at addr into data, little-endian. */
  read(addr: number, len: number, data: Uint8Array): void {
    if (len === 8) {
      this.read(addr, 4, data);
      this.read(addr + 4, 4, data.subarray(4));
      return;
    }
    const c = this.find(addr);
    let v: number;
    if (c === undefined) {
      this.logger?.debug({ addr, len }, 'read from unclaimed MMIO');
      v = allOnes(len);
    } else {
      v = c.device.read(addr - c.base, len);
    }
    for (let i = 0; i < len; i++) data[i] = (v >>> (8 * i)) & 0xff;
  }

  /** Write `len` (1, 2, 4 or 8) bytes from data, little-endian. */
  write(addr: number, len: number, data: Uint8Array): void {
    if (len === 8) {
      this.write(addr, 4, data);
      this.write(addr + 4, 4, data.subarray(4));
      return;
    }
    let v = 0;
    for (let i = 0; i < len; i++) v |= data[i]! << (8 * i);
    v >>>= 0;
    const c = this.find(addr);
    if (c === undefined) {
      this.logger?.debug({ addr, len, value: v }, 'write to unclaimed MMIO dropped');
      return;
    }
    c.device.write(addr - c.base, len, v);
  }
}
