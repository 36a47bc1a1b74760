/**
 * QEMU's isa-debug-exit (here at 0xf4, four ports): a write of V ends the
 * machine with process exit status (V << 1) | 1, so a test kernel can report
 * its result without a power-management device. Reads return 0.
 */
import type { BusDevice } from '../../machine/bus-device.js';
import { debugExitStatus } from '../../cli/exit-status.js';

export const DEBUG_EXIT_PORT = 0xf4;
export const DEBUG_EXIT_PORTS = 4;

export class DebugExit implements BusDevice {
  constructor(private readonly onExit: (status: number, value: number) => void) {}

  read(_offset: number, _size: number): number {
    return 0;
  }

  write(_offset: number, _size: number, value: number): void {
    this.onExit(debugExitStatus(value), value >>> 0);
  }
}
