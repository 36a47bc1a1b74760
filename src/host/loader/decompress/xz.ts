/**
 * The .xz container (tukaani.org xz-file-format 1.x): stream header, blocks
 * with a filter chain of optional BCJ x86 and then LZMA2, block checks,
 * index and footer. What Linux's boot decompressor accepts is what we
 * accept: one or more blocks, CRC32/CRC64/SHA-256/no check (only CRC32,
 * the kernel's, is verified), filters x86 BCJ and LZMA2.
 */
import { bcjX86Decode } from './bcj-x86.js';
import { crc32 } from './crc32.js';
import { corrupt } from './errors.js';
import { decodePropsByte, LzmaDecoder } from './lzma.js';
import { OutputBuffer } from './output-buffer.js';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FILTER_X86 = 0x04;
const FILTER_LZMA2 = 0x21;
const CHECK_NONE = 0;
const CHECK_CRC32 = 1;
/** Bytes of each check type's field (xz spec 2.1.1.2). */
const CHECK_SIZE = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

class Reader {
  constructor(readonly b: Uint8Array, public pos: number) {}
  byte(): number {
    if (this.pos >= this.b.length) corrupt('xz data truncated');
    return this.b[this.pos++]!;
  }
  /** xz variable-length integer (7 bits a byte, at most 9 bytes). */
  vli(): number {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      const b = this.byte();
      v += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) corrupt('xz integer not minimally encoded');
        if (v > Number.MAX_SAFE_INTEGER) corrupt('xz integer too large');
        return v;
      }
    }
    return corrupt('xz integer too long');
  }
  u32(): number {
    const b = this.b;
    if (this.pos + 4 > b.length) corrupt('xz data truncated');
    const v = (b[this.pos]! | (b[this.pos + 1]! << 8) | (b[this.pos + 2]! << 16) | (b[this.pos + 3]! << 24)) >>> 0;
    this.pos += 4;
    return v;
  }
}

interface BlockFilters {
  bcjStart?: number;
  lzma2DictSize: number;
}

function parseBlockHeader(r: Reader, headerSize: number): BlockFilters {
  const start = r.pos - 1;
  // headerSize counts the size byte and the trailing CRC32.
  const end = start + headerSize - 4;
  if (end + 4 > r.b.length) corrupt('xz block header truncated');
  const flags = r.byte();
  if (flags & 0x3c) corrupt('xz block header has reserved flags');
  const nFilters = (flags & 3) + 1;
  if (flags & 0x40) r.vli(); // compressed size
  if (flags & 0x80) r.vli(); // uncompressed size
  const filters: BlockFilters = { lzma2DictSize: 0 };
  for (let i = 0; i < nFilters; i++) {
    const id = r.vli();
    const propSize = r.vli();
    if (r.pos + propSize > end) corrupt('xz filter properties overrun the block header');
    const last = i === nFilters - 1;
    if (id === FILTER_LZMA2 && last) {
      if (propSize !== 1) corrupt('xz LZMA2 properties must be one byte');
      const d = r.byte();
      if (d > 40) corrupt('xz LZMA2 dictionary size out of range');
      filters.lzma2DictSize = d === 40 ? 0xffffffff : (2 | (d & 1)) * 2 ** ((d >>> 1) + 11);
    } else if (id === FILTER_X86 && !last) {
      if (propSize === 0) filters.bcjStart = 0;
      else if (propSize === 4) filters.bcjStart = r.u32();
      else corrupt('xz x86 filter properties must be 0 or 4 bytes');
    } else {
      corrupt(`xz filter 0x${id.toString(16)} is not supported (x86 BCJ and LZMA2 are)`);
    }
  }
  while (r.pos < end) if (r.byte() !== 0) corrupt('xz block header padding is not zero');
  if (r.pos !== end) corrupt('xz block header overruns its size');
  const crc = r.u32();
  if (crc !== crc32(r.b, start, end)) corrupt('xz block header CRC mismatch');
  return filters;
}

/** Decode one LZMA2 stream (a block's data); returns the input position after it. */
function decodeLzma2(input: Uint8Array, pos: number, dec: LzmaDecoder, out: OutputBuffer): number {
  let needDictReset = true;
  let needProps = true;
  for (;;) {
    if (pos >= input.length) corrupt('xz LZMA2 data truncated');
    const control = input[pos++]!;
    if (control === 0x00) return pos;
    if (control === 0x01 || control === 0x02) {
      // Uncompressed chunk (0x01 also resets the dictionary).
      if (control === 0x01) {
        dec.resetDict();
        needDictReset = false;
      } else if (needDictReset) corrupt('xz LZMA2 first chunk does not reset the dictionary');
      if (pos + 2 > input.length) corrupt('xz LZMA2 data truncated');
      const size = ((input[pos]! << 8) | input[pos + 1]!) + 1;
      pos += 2;
      if (pos + size > input.length) corrupt('xz LZMA2 data truncated');
      out.reserve(size);
      out.bytes.set(input.subarray(pos, pos + size), out.pos);
      out.pos += size;
      pos += size;
      continue;
    }
    if (control < 0x80) corrupt(`xz LZMA2 bad control byte 0x${control.toString(16)}`);
    if (pos + 4 > input.length) corrupt('xz LZMA2 data truncated');
    const unpacked = (control & 0x1f) * 0x10000 + ((input[pos]! << 8) | input[pos + 1]!) + 1;
    const packed = ((input[pos + 2]! << 8) | input[pos + 3]!) + 1;
    pos += 4;
    const reset = (control >>> 5) & 3;
    if (reset === 3) {
      dec.resetDict();
      needDictReset = false;
    } else if (needDictReset) corrupt('xz LZMA2 first chunk does not reset the dictionary');
    if (reset >= 2) {
      if (pos >= input.length) corrupt('xz LZMA2 data truncated');
      const props = decodePropsByte(input[pos++]!);
      if (props.lc + props.lp > 4) corrupt('xz LZMA2 lc + lp exceeds 4');
      dec.setProps(props);
      needProps = false;
    } else if (needProps) corrupt('xz LZMA2 chunk without properties');
    if (reset >= 1) dec.resetState();
    if (pos + packed > input.length) corrupt('xz LZMA2 data truncated');
    const r = dec.decode(input, pos, pos + packed, out.pos + unpacked, false);
    if (r.inputPos !== pos + packed || !dec.rangeCoderFinished) corrupt('xz LZMA2 chunk size mismatch');
    pos += packed;
  }
}

export function decompressXz(input: Uint8Array, maxOutput: number, sizeHint?: number): Uint8Array {
  if (input.length < 12 || XZ_MAGIC.some((m, i) => input[i] !== m)) corrupt('no xz stream header');
  if (input[6] !== 0 || (input[7]! & 0xf0) !== 0) corrupt('xz stream flags not supported');
  const check = input[7]! & 0x0f;
  const r = new Reader(input, 8);
  if (r.u32() !== crc32(input, 6, 8)) corrupt('xz stream header CRC mismatch');
  const out = new OutputBuffer(sizeHint ?? input.length * 4, maxOutput);
  const dec = new LzmaDecoder(out);
  const checkSize = CHECK_SIZE[check]!;
  if (check !== CHECK_NONE && check !== CHECK_CRC32 && checkSize === 0) corrupt('xz check type not supported');
  /** (unpadded size, uncompressed size) of each block, for the index. */
  const records: [number, number][] = [];
  let indexStart: number;
  for (;;) {
    indexStart = r.pos;
    const sizeByte = r.byte();
    if (sizeByte === 0) break; // the index: all blocks are done
    const filters = parseBlockHeader(r, (sizeByte + 1) * 4);
    const blockStart = out.pos;
    r.pos = decodeLzma2(input, r.pos, dec, out);
    const unpadded = r.pos - indexStart + checkSize;
    while (r.pos & 3) if (r.byte() !== 0) corrupt('xz block padding is not zero');
    if (r.pos + checkSize > input.length) corrupt('xz block check truncated');
    if (filters.bcjStart !== undefined) bcjX86Decode(out.bytes.subarray(blockStart, out.pos), filters.bcjStart);
    if (check === CHECK_CRC32) {
      const want = r.u32();
      if (want !== crc32(out.bytes, blockStart, out.pos)) corrupt('xz block CRC32 mismatch');
    } else {
      r.pos += checkSize;
    }
    records.push([unpadded, out.pos - blockStart]);
  }
  // The index must list exactly the blocks we decoded; the footer must close the stream.
  if (r.vli() !== records.length) corrupt('xz index does not match the blocks');
  for (const [unpadded, size] of records) {
    if (r.vli() !== unpadded || r.vli() !== size) corrupt('xz index does not match the blocks');
  }
  while (r.pos & 3) if (r.byte() !== 0) corrupt('xz index padding is not zero');
  const indexEnd = r.pos;
  if (r.u32() !== crc32(input, indexStart, indexEnd)) corrupt('xz index CRC mismatch');
  const footerCrc = r.u32();
  const footerAt = r.pos;
  const backward = r.u32();
  if (r.byte() !== 0 || r.byte() !== input[7] || r.byte() !== 0x59 || r.byte() !== 0x5a) corrupt('bad xz stream footer');
  if (footerCrc !== crc32(input, footerAt, footerAt + 6)) corrupt('xz stream footer CRC mismatch');
  if ((backward + 1) * 4 !== indexEnd + 4 - indexStart) corrupt('xz stream footer does not match the index');
  return out.result();
}
