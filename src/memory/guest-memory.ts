/**
 * Guest physical memory: one SharedArrayBuffer that the software CPU, the
 * host services and (later) the device-model worker and a KVM memory slot all
 * see. Host-side code uses the checked accessors here; the CPU's hot path
 * indexes {@link GuestMemory.u8} (and friends) directly.
 *
 * Every access from host code is bounds-checked: addresses come from the
 * guest, and the guest is hostile.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

export class GuestMemoryError extends Error {
  constructor(readonly paddr: number, readonly length: number) {
    super(`guest physical access out of range: ${length} bytes at 0x${paddr.toString(16)}`);
    this.name = 'GuestMemoryError';
  }
}

/** Called after host code (a loader, a backend, DMA) writes guest memory. */
export type HostWriteListener = (paddr: number, length: number) => void;

export class GuestMemory {
  readonly buffer: SharedArrayBuffer;
  readonly size: number;
  readonly u8: Uint8Array;
  readonly view: DataView;
  private readonly listeners: HostWriteListener[] = [];

  constructor(sizeBytes: number) {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % PAGE_SIZE !== 0) {
      throw new RangeError(`guest memory size must be a positive multiple of ${PAGE_SIZE}: ${sizeBytes}`);
    }
    this.buffer = new SharedArrayBuffer(sizeBytes);
    this.size = sizeBytes;
    this.u8 = new Uint8Array(this.buffer);
    this.view = new DataView(this.buffer);
  }

  get pages(): number {
    return this.size >>> PAGE_SHIFT;
  }

  /** Subscribe to host-side writes (the CPU drops decoded code it covers). */
  onHostWrite(listener: HostWriteListener): void {
    this.listeners.push(listener);
  }

  /** True when [paddr, paddr+length) lies inside guest memory. */
  contains(paddr: number, length: number): boolean {
    return Number.isSafeInteger(paddr) && paddr >= 0 && length >= 0 && paddr + length <= this.size;
  }

  check(paddr: number, length: number): void {
    if (!this.contains(paddr, length)) throw new GuestMemoryError(paddr, length);
  }

  private wrote(paddr: number, length: number): void {
    for (const l of this.listeners) l(paddr, length);
  }

  read8(paddr: number): number {
    this.check(paddr, 1);
    return this.u8[paddr]!;
  }
  read16(paddr: number): number {
    this.check(paddr, 2);
    return this.view.getUint16(paddr, true);
  }
  read32(paddr: number): number {
    this.check(paddr, 4);
    return this.view.getUint32(paddr, true);
  }
  read64(paddr: number): bigint {
    this.check(paddr, 8);
    return this.view.getBigUint64(paddr, true);
  }
  write8(paddr: number, value: number): void {
    this.check(paddr, 1);
    this.u8[paddr] = value;
    this.wrote(paddr, 1);
  }
  write16(paddr: number, value: number): void {
    this.check(paddr, 2);
    this.view.setUint16(paddr, value, true);
    this.wrote(paddr, 2);
  }
  write32(paddr: number, value: number): void {
    this.check(paddr, 4);
    this.view.setUint32(paddr, value >>> 0, true);
    this.wrote(paddr, 4);
  }
  write64(paddr: number, value: bigint): void {
    this.check(paddr, 8);
    this.view.setBigUint64(paddr, BigInt.asUintN(64, value), true);
    this.wrote(paddr, 8);
  }

  /** A copy of guest bytes. */
  readBytes(paddr: number, length: number): Uint8Array {
    this.check(paddr, length);
    return this.u8.slice(paddr, paddr + length);
  }

  /** A live view of guest bytes (no copy): for rings the host polls. */
  subarray(paddr: number, length: number): Uint8Array {
    this.check(paddr, length);
    return this.u8.subarray(paddr, paddr + length);
  }

  writeBytes(paddr: number, data: Uint8Array): void {
    this.check(paddr, data.length);
    this.u8.set(data, paddr);
    this.wrote(paddr, data.length);
  }

  fill(paddr: number, length: number, value = 0): void {
    this.check(paddr, length);
    this.u8.fill(value, paddr, paddr + length);
    this.wrote(paddr, length);
  }

  /** A NUL-terminated string of at most maxLength bytes (guest-supplied). */
  readCString(paddr: number, maxLength: number): string {
    const end = Math.min(this.size, paddr + maxLength);
    this.check(paddr, 0);
    let i = paddr;
    while (i < end && this.u8[i] !== 0) i++;
    return Buffer.from(this.u8.subarray(paddr, i)).toString('latin1');
  }
}
