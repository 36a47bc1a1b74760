/**
 * The port-I/O bus: 65536 byte-addressed ports, claimed by devices in ranges.
 * Lookup is one typed-array load (port -> device slot), because `in`/`out`
 * to the UART and the debug console are the hottest exits a test kernel has.
 *
 * An access that starts in a claimed range goes to that device, with the
 * offset from the range's base; an unclaimed read returns all-ones (the ISA
 * bus floats high) and an unclaimed write is dropped, logged at debug.
 */
import type { Logger } from '../log/logger.js';
import { allOnes, type BusDevice } from './bus-device.js';

export const PORT_COUNT = 0x10000;

interface Claim {
  name: string;
  base: number;
  length: number;
  device: BusDevice;
}

export class IoBus {
  private readonly claims: Claim[] = [];
  /** Slot+1 of the claim covering each port; 0 for none. */
  private readonly owner = new Uint16Array(PORT_COUNT);

  constructor(private readonly logger?: Logger) {}

  /** Claim ports [base, base+length). Throws when they overlap a claim already made. */
  register(name: string, base: number, length: number, device: BusDevice): void {
    if (!Number.isInteger(base) || !Number.isInteger(length) || base < 0 || length < 1 || base + length > PORT_COUNT) {
      throw new RangeError(`${name}: bad port range 0x${base.toString(16)}+${length}`);
    }
    for (let p = base; p < base + length; p++) {
      const o = this.owner[p]!;
      if (o !== 0) {
        const other = this.claims[o - 1]!;
        throw new Error(`${name}: ports 0x${base.toString(16)}+${length} overlap ${other.name} at 0x${other.base.toString(16)}+${other.length}`);
      }
    }
    this.claims.push({ name, base, length, device });
    this.owner.fill(this.claims.length, base, base + length);
  }

  read(port: number, size: number): number {
    const o = this.owner[port & 0xffff]!;
    if (o === 0) {
      this.logger?.debug({ port, size }, 'read from unclaimed port');
      return allOnes(size);
    }
    const c = this.claims[o - 1]!;
    return c.device.read(port - c.base, size);
  }

  write(port: number, size: number, value: number): void {
    const o = this.owner[port & 0xffff]!;
    if (o === 0) {
      this.logger?.debug({ port, size, value }, 'write to unclaimed port dropped');
      return;
    }
    const c = this.claims[o - 1]!;
    c.device.write(port - c.base, size, value);
  }
}
