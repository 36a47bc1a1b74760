/**
 * The growing output of a decompressor, which is also its dictionary: we
 * always decompress a whole kernel in memory, so LZ77 matches copy from
 * the output itself. `limit` bounds it (a hostile image must not make us
 * allocate without end).
 */
import { corrupt } from './errors.js';

export class OutputBuffer {
  bytes: Uint8Array;
  pos = 0;

  constructor(initial: number, readonly limit: number) {
    this.bytes = new Uint8Array(Math.max(1, Math.min(initial, limit)));
  }

  /** Make room for n more bytes. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    if (need > this.limit) corrupt(`output exceeds ${this.limit} bytes`);
    let size = this.bytes.length;
    while (size < need) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.limit));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  /** Copy `length` bytes from `distance` bytes back (distance >= 1), overlap allowed. */
  copyMatch(distance: number, length: number): void {
    this.reserve(length);
    const b = this.bytes;
    let from = this.pos - distance;
    let to = this.pos;
    const end = to + length;
    if (length <= 32) {
      // Short matches (most of them): a byte loop beats a native call.
      while (to < end) b[to++] = b[from++]!;
    } else if (distance >= length) {
      b.copyWithin(to, from, from + length);
    } else {
      // An overlapping run repeats the last `distance` bytes: copy in growing chunks.
      let chunk = distance;
      while (to < end) {
        const n = Math.min(chunk, end - to);
        b.copyWithin(to, from, from + n);
        to += n;
        chunk *= 2;
      }
    }
    this.pos = end;
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }
}
