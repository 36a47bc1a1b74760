/**
 * What a device on a bus offers: register accesses at an offset into the
 * range it claimed. This is the shape of Firecracker's devices/legacy and
 * rust-vmm's vm-superio: a device is a plain state machine that knows nothing
 * of the CPU, the run loop or the address it was mapped at.
 *
 * Values are unsigned and at most 32 bits wide (`size` is 1, 2 or 4); the
 * MMIO bus splits an 8-byte access into two 4-byte ones, low half first.
 */
export interface BusDevice {
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
}

/** All-ones for an access of `size` bytes: what an unclaimed read returns. */
export function allOnes(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}
