/**
 * Feeds host input (stdin) into a UART's receiver at the pace the guest
 * reads it, as hardware flow control would: bytes wait here until the
 * receive FIFO has room, so a paste never overruns a guest that polls.
 *
 * The waiting bytes live in a ring that grows on demand up to
 * MAX_BACKLOG: memory stays bounded by what is waiting, however much input
 * passes through over time.
 */
import type { Uart16550A } from '../hvm/devices/uart-16550a.js';

/** Where console input comes from; subscribe returns the unsubscribe. `onEnd` runs when no more input can come (EOF). */
export interface ConsoleInput {
  subscribe(onBytes: (bytes: Uint8Array) => void, onEnd?: () => void): () => void;
}

/** Input waiting for the guest beyond this is dropped (a runaway pipe). */
export const MAX_BACKLOG = 1 << 20;
const INITIAL_RING = 4096;

export class SerialInput {
  private ring = new Uint8Array(INITIAL_RING);
  private head = 0;
  private count = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly uart: Uart16550A) {}

  attach(source: ConsoleInput): void {
    this.unsubscribe = source.subscribe((bytes) => this.push(bytes));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Bytes waiting for the guest. */
  get pending(): number {
    return this.count;
  }

  /** Bytes of memory the backlog holds (at most MAX_BACKLOG). */
  get retained(): number {
    return this.ring.length;
  }

  push(bytes: Uint8Array): void {
    const n = Math.min(bytes.length, MAX_BACKLOG - this.count);
    this.reserve(this.count + n);
    for (let i = 0; i < n; i++) this.ring[(this.head + this.count + i) % this.ring.length] = bytes[i]!;
    this.count += n;
    this.feed();
  }

  /** Grow the ring (by doubling, up to MAX_BACKLOG) to hold `needed` bytes. */
  private reserve(needed: number): void {
    if (needed <= this.ring.length) return;
    let size = this.ring.length;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(Math.min(size, MAX_BACKLOG));
    for (let i = 0; i < this.count; i++) grown[i] = this.ring[(this.head + i) % this.ring.length]!;
    this.ring = grown;
    this.head = 0;
  }

  /** Move what fits into the receiver; the UART calls this back when the guest reads. */
  readonly feed = (): void => {
    while (this.count > 0 && this.uart.rxSpace > 0) {
      this.uart.receive(this.ring[this.head]!);
      this.head = (this.head + 1) % this.ring.length;
      this.count--;
    }
  };
}
