/**
 * The Bochs/QEMU debug console (port 0xe9): every byte written is printed;
 * a read returns 0xe9, the value guests probe to find the device.
 */
import type { BusDevice } from '../../machine/bus-device.js';

export const DEBUGCON_PORT = 0xe9;
/** What a read returns (QEMU's default "readback" value). */
export const DEBUGCON_READBACK = 0xe9;

export class DebugConsole implements BusDevice {
  constructor(private readonly sink: (byte: number) => void) {}

  read(_offset: number, _size: number): number {
    return DEBUGCON_READBACK;
  }

  /** Only the low byte is printed, whatever the access size (as QEMU does). */
  write(_offset: number, _size: number, value: number): void {
    this.sink(value & 0xff);
  }
}
