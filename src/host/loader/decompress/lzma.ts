/**
 * An LZMA decoder (the algorithm of the LZMA SDK's specification), used by
 * the .lzma (LZMA-alone) format and, chunk by chunk, by LZMA2 inside .xz.
 * The output buffer is the dictionary: kernels are decompressed whole.
 */
import { corrupt } from './errors.js';
import { OutputBuffer } from './output-buffer.js';

const PROB_INIT = 1024;
const NUM_STATES = 12;
const POS_STATES_MAX = 16;
const END_POS_MODEL_INDEX = 14;
const NUM_FULL_DISTANCES = 128;
const MATCH_MIN_LEN = 2;

/** The binary range decoder over one region of the input. */
class RangeDecoder {
  private range = 0;
  private code = 0;
  private pos = 0;
  private end = 0;
  private input: Uint8Array = new Uint8Array(0);

  init(input: Uint8Array, start: number, end: number): void {
    this.input = input;
    this.pos = start;
    this.end = end;
    if (this.next() !== 0) corrupt('LZMA range coder does not start with 0');
    this.range = 0xffffffff;
    this.code = 0;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
    if (this.code === this.range) corrupt('LZMA range coder starts at its end');
  }

  get position(): number {
    return this.pos;
  }

  /** The stream ended cleanly: LZMA encoders flush so that code is 0. */
  get finishedOk(): boolean {
    return this.code === 0;
  }

  private next(): number {
    if (this.pos >= this.end) corrupt('LZMA data truncated');
    return this.input[this.pos++]!;
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
  }

  /** The hottest function of the decoder: normalisation is inlined. */
  bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    let range = this.range;
    let code = this.code;
    const bound = (range >>> 11) * p;
    let b: number;
    if (code < bound) {
      range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      range -= bound;
      code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if (range < 0x1000000) {
      if (this.pos >= this.end) corrupt('LZMA data truncated');
      range = (range << 8) >>> 0;
      code = ((code << 8) | this.input[this.pos++]!) >>> 0;
    }
    this.range = range;
    this.code = code;
    return b;
  }

  direct(numBits: number): number {
    let res = 0;
    for (let i = 0; i < numBits; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      res = res * 2 + b;
      this.normalize();
    }
    return res;
  }

  tree(probs: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    for (let i = 0; i < numBits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << numBits);
  }

  reverseTree(probs: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < numBits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      sym |= b << i;
    }
    return sym;
  }
}

/** Match-length model: choice bits, then low (8), mid (8) or high (256) trees. */
class LengthDecoder {
  readonly choice = new Uint16Array(2);
  readonly low = new Uint16Array(POS_STATES_MAX << 3);
  readonly mid = new Uint16Array(POS_STATES_MAX << 3);
  readonly high = new Uint16Array(256);

  reset(): void {
    this.choice.fill(PROB_INIT);
    this.low.fill(PROB_INIT);
    this.mid.fill(PROB_INIT);
    this.high.fill(PROB_INIT);
  }

  /** Length minus MATCH_MIN_LEN. Bit trees index their probabilities from 1. */
  decode(rc: RangeDecoder, posState: number): number {
    if (rc.bit(this.choice, 0) === 0) return rc.tree(this.low, posState << 3, 3);
    if (rc.bit(this.choice, 1) === 0) return 8 + rc.tree(this.mid, posState << 3, 3);
    return 16 + rc.tree(this.high, 0, 8);
  }
}

export interface LzmaProps {
  lc: number;
  lp: number;
  pb: number;
}

/** Decode the LZMA properties byte: (pb * 5 + lp) * 9 + lc. */
export function decodePropsByte(d: number): LzmaProps {
  if (d >= 9 * 5 * 5) corrupt(`bad LZMA properties byte ${d}`);
  const lc = d % 9;
  d = (d / 9) | 0;
  return { lc, lp: d % 5, pb: (d / 5) | 0 };
}

export class LzmaDecoder {
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private literal = new Uint16Array(0x300);
  private readonly isMatch = new Uint16Array(NUM_STATES << 4);
  private readonly isRep = new Uint16Array(NUM_STATES);
  private readonly isRepG0 = new Uint16Array(NUM_STATES);
  private readonly isRepG1 = new Uint16Array(NUM_STATES);
  private readonly isRepG2 = new Uint16Array(NUM_STATES);
  private readonly isRep0Long = new Uint16Array(NUM_STATES << 4);
  private readonly posSlot = new Uint16Array(4 << 6);
  private readonly posSpecial = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX);
  private readonly align = new Uint16Array(16);
  private readonly lenDecoder = new LengthDecoder();
  private readonly repLenDecoder = new LengthDecoder();
  private readonly rc = new RangeDecoder();
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  /** Output position of the last dictionary reset: matches may not reach before it. */
  private dictStart = 0;

  constructor(readonly out: OutputBuffer) {}

  setProps(p: LzmaProps): void {
    if (p.lc > 8 || p.lp > 4 || p.pb > 4) corrupt('bad LZMA properties');
    this.lc = p.lc;
    this.lp = p.lp;
    this.pb = p.pb;
    const size = 0x300 << (p.lc + p.lp);
    if (this.literal.length !== size) this.literal = new Uint16Array(size);
  }

  /** Reset probabilities and the state machine (LZMA2 "state reset"). */
  resetState(): void {
    this.literal.fill(PROB_INIT);
    this.isMatch.fill(PROB_INIT);
    this.isRep.fill(PROB_INIT);
    this.isRepG0.fill(PROB_INIT);
    this.isRepG1.fill(PROB_INIT);
    this.isRepG2.fill(PROB_INIT);
    this.isRep0Long.fill(PROB_INIT);
    this.posSlot.fill(PROB_INIT);
    this.posSpecial.fill(PROB_INIT);
    this.align.fill(PROB_INIT);
    this.lenDecoder.reset();
    this.repLenDecoder.reset();
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  resetDict(): void {
    this.dictStart = this.out.pos;
  }

  /**
   * Decode from input[start, end) until the output reaches `outEnd`, or an
   * end marker when `allowEndMarker`. Returns the input position reached and
   * whether an end marker was seen.
   */
  decode(input: Uint8Array, start: number, end: number, outEnd: number, allowEndMarker: boolean): { inputPos: number; sawEndMarker: boolean } {
    const rc = this.rc;
    const out = this.out;
    rc.init(input, start, end);
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    let sawEndMarker = false;
    out.reserve(Math.max(0, Math.min(outEnd, out.limit) - out.pos));
    while (out.pos < outEnd) {
      const rel = out.pos - this.dictStart;
      const posState = rel & pbMask;
      let state = this.state;
      if (rc.bit(this.isMatch, (state << 4) + posState) === 0) {
        const prev = rel > 0 ? out.bytes[out.pos - 1]! : 0;
        const base = 0x300 * (((rel & lpMask) << lc) + (prev >>> (8 - lc)));
        let sym = 1;
        if (state >= 7) {
          if (this.rep0 >= rel) corrupt('LZMA match distance beyond the dictionary');
          let matchByte = out.bytes[out.pos - this.rep0 - 1]!;
          do {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            const b = rc.bit(this.literal, base + ((1 + matchBit) << 8) + sym);
            sym = (sym << 1) | b;
            if (matchBit !== b) break;
          } while (sym < 0x100);
        }
        while (sym < 0x100) sym = (sym << 1) | rc.bit(this.literal, base + sym);
        if (out.pos >= out.bytes.length) out.reserve(1);
        out.bytes[out.pos++] = sym & 0xff;
        this.state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let len: number;
      if (rc.bit(this.isRep, state) === 0) {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        len = this.lenDecoder.decode(rc, posState);
        state = state < 7 ? 7 : 10;
        this.rep0 = this.decodeDistance(len);
        if (this.rep0 === 0xffffffff) {
          if (!allowEndMarker) corrupt('unexpected LZMA end marker');
          sawEndMarker = true;
          this.state = state;
          break;
        }
      } else {
        if (rel === 0) corrupt('LZMA repeated match at the start of the dictionary');
        if (rc.bit(this.isRepG0, state) === 0) {
          if (rc.bit(this.isRep0Long, (state << 4) + posState) === 0) {
            // Short rep: one byte from rep0.
            this.state = state < 7 ? 9 : 11;
            if (this.rep0 >= rel) corrupt('LZMA match distance beyond the dictionary');
            out.copyMatch(this.rep0 + 1, 1);
            continue;
          }
        } else {
          let dist: number;
          if (rc.bit(this.isRepG1, state) === 0) {
            dist = this.rep1;
          } else {
            if (rc.bit(this.isRepG2, state) === 0) {
              dist = this.rep2;
            } else {
              dist = this.rep3;
              this.rep3 = this.rep2;
            }
            this.rep2 = this.rep1;
          }
          this.rep1 = this.rep0;
          this.rep0 = dist;
        }
        len = this.repLenDecoder.decode(rc, posState);
        state = state < 7 ? 8 : 11;
      }
      this.state = state;
      const length = len + MATCH_MIN_LEN;
      if (this.rep0 >= rel) corrupt('LZMA match distance beyond the dictionary');
      if (out.pos + length > outEnd) corrupt('LZMA match runs past the end of the data');
      out.copyMatch(this.rep0 + 1, length);
    }
    return { inputPos: rc.position, sawEndMarker };
  }

  get rangeCoderFinished(): boolean {
    return this.rc.finishedOk;
  }

  private decodeDistance(len: number): number {
    const rc = this.rc;
    const lenState = len < 3 ? len : 3;
    const slot = rc.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const numDirectBits = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** numDirectBits;
    if (slot < END_POS_MODEL_INDEX) {
      dist += rc.reverseTree(this.posSpecial, dist - slot, numDirectBits);
    } else {
      dist += rc.direct(numDirectBits - 4) * 16;
      dist += rc.reverseTree(this.align, 0, 4);
    }
    return dist;
  }
}

/** Bytes of the .lzma (LZMA-alone) header: props, dictionary size, size. */
const LZMA_ALONE_HEADER = 13;

/**
 * Decode a .lzma stream. Its size field may be "unknown" (all ones), as
 * the kernel's `lzma -9` writes it; then the stream ends with an end
 * marker, and `sizeHint` (the kernel's appended size) bounds the output.
 */
export function decompressLzma(input: Uint8Array, maxOutput: number, sizeHint?: number): Uint8Array {
  if (input.length < LZMA_ALONE_HEADER) corrupt('truncated LZMA header');
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const props = decodePropsByte(input[0]!);
  const size = dv.getBigUint64(5, true);
  const known = size !== 0xffffffffffffffffn;
  if (known && size > BigInt(maxOutput)) corrupt(`LZMA output size ${size} is too large`);
  // Without a size, the stream must end with its end marker: decode one
  // byte past the hinted size, which must be where the marker stands.
  const limit = known ? Number(size) : Math.min(maxOutput, sizeHint ?? maxOutput);
  const out = new OutputBuffer(known ? limit : Math.min(limit + 1, input.length * 4), known ? limit : Math.min(maxOutput, limit + 1));
  const dec = new LzmaDecoder(out);
  dec.setProps(props);
  dec.resetState();
  dec.resetDict();
  const r = dec.decode(input, LZMA_ALONE_HEADER, input.length, known ? limit : limit + 1, !known);
  if (!known && (!r.sawEndMarker || out.pos > limit)) corrupt(sizeHint !== undefined && out.pos > limit ? `LZMA output exceeds ${limit} bytes` : 'LZMA stream has no end marker');
  return out.result();
}
