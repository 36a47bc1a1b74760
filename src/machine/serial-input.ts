/**
 * Feeds host input (stdin) into a UART's receiver at the pace the guest
 * reads it, as hardware flow control would: bytes wait here until the
 * receive FIFO has room, so a paste never overruns a guest that polls.
 */
import type { Uart16550A } from '../hvm/devices/uart-16550a.js';

/** Where console input comes from; subscribe returns the unsubscribe. */
export interface ConsoleInput {
  subscribe(onBytes: (bytes: Uint8Array) => void): () => void;
}

/** Input waiting for the guest beyond this is dropped (a runaway pipe). */
export const MAX_BACKLOG = 1 << 20;

export class SerialInput {
  private backlog: number[] = [];
  private head = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly uart: Uart16550A) {}

  attach(source: ConsoleInput): void {
    this.unsubscribe = source.subscribe((bytes) => this.push(bytes));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  get pending(): number {
    return this.backlog.length - this.head;
  }

  push(bytes: Uint8Array): void {
    const room = MAX_BACKLOG - this.pending;
    for (let i = 0; i < bytes.length && i < room; i++) this.backlog.push(bytes[i]!);
    this.feed();
  }

  /** Move what fits into the receiver; the UART calls this back when the guest reads. */
  readonly feed = (): void => {
    while (this.head < this.backlog.length && this.uart.rxSpace > 0) this.uart.receive(this.backlog[this.head++]!);
    if (this.head === this.backlog.length) {
      this.backlog = [];
      this.head = 0;
    }
  };
}
