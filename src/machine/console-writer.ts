/**
 * Collects the bytes a device prints and hands them to the console sink a
 * line at a time (or when the buffer fills, or on flush()), so that a guest
 * printing one byte per `out` does not cost one write(2) per byte.
 */
const CAPACITY = 4096;
const NEWLINE = 0x0a;

export class ConsoleWriter {
  private readonly buf = new Uint8Array(CAPACITY);
  private length = 0;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  readonly put = (byte: number): void => {
    this.buf[this.length++] = byte;
    if (byte === NEWLINE || this.length === CAPACITY) this.flush();
  };

  flush(): void {
    if (this.length === 0) return;
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    this.sink(out);
  }
}
