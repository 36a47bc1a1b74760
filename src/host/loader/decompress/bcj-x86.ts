/**
 * The x86 branch converter (BCJ) decoder of the xz format (filter ID 4):
 * the encoder turned the relative targets of E8/E9 (call/jmp rel32) into
 * absolute ones so that they compress better; this turns them back. Linux
 * compresses x86 kernels with it (scripts/xz_wrap.sh). Applied in place to
 * a whole block, which equals the streaming filter: its last four bytes
 * are never converted.
 */

/** Which previous-byte masks allow a conversion, indexed by (mask >> 1) & 7. */
const ALLOWED = [true, true, true, false, true, false, false, false];
/** The byte of the operand to test again for a given mask. */
const BIT_NUMBER = [0, 1, 2, 2, 3, 3, 3, 3];

/** An operand's top byte that marks a plausible near target (0x00 or 0xFF). */
const plausible = (b: number): boolean => b === 0 || b === 0xff;

export function bcjX86Decode(buf: Uint8Array, startOffset = 0): void {
  if (buf.length < 5) return;
  let prevMask = 0;
  let prevPos = (startOffset - 5) >>> 0;
  const limit = buf.length - 5;
  let i = 0;
  while (i <= limit) {
    const op = buf[i]!;
    if (op !== 0xe8 && op !== 0xe9) {
      i++;
      continue;
    }
    const now = (startOffset + i) >>> 0;
    const gap = (now - prevPos) >>> 0;
    prevPos = now;
    if (gap > 5) {
      prevMask = 0;
    } else {
      for (let k = 0; k < gap; k++) prevMask = ((prevMask & 0x77) << 1) & 0xff;
    }
    let b = buf[i + 4]!;
    if (plausible(b) && ALLOWED[(prevMask >>> 1) & 7]! && prevMask >>> 1 < 0x10) {
      let src = ((b << 24) | (buf[i + 3]! << 16) | (buf[i + 2]! << 8) | buf[i + 1]!) >>> 0;
      let dest: number;
      for (;;) {
        dest = (src - (now + 5)) >>> 0;
        if (prevMask === 0) break;
        const n = BIT_NUMBER[prevMask >>> 1]!;
        b = (dest >>> (24 - n * 8)) & 0xff;
        if (!plausible(b)) break;
        src = (dest ^ (2 ** (32 - n * 8) - 1)) >>> 0;
      }
      buf[i + 4] = (dest >>> 24) & 1 ? 0xff : 0x00;
      buf[i + 3] = (dest >>> 16) & 0xff;
      buf[i + 2] = (dest >>> 8) & 0xff;
      buf[i + 1] = dest & 0xff;
      i += 5;
      prevMask = 0;
    } else {
      i++;
      prevMask |= 1;
      if (plausible(b)) prevMask |= 0x10;
    }
  }
}
