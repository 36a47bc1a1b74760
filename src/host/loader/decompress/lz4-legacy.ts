/**
 * The LZ4 "legacy" frame, which Linux uses for lz4-compressed kernels
 * (`lz4 -l`): a magic number, then blocks of (u32 compressed size, LZ4
 * block data), each at most 8 MiB decompressed. Linux appends the
 * uncompressed size (4 bytes) after the last block; a 4-byte remainder is
 * that trailer, not a block.
 */
import { corrupt } from './errors.js';
import { OutputBuffer } from './output-buffer.js';

export const LZ4_LEGACY_MAGIC = 0x184c2102;
const LZ4_LEGACY_BLOCK_MAX = 8 << 20;

/** Extend a 4-bit length of 15 by bytes of 255 and a final smaller one; returns [length, next position]. */
function extendLength(src: Uint8Array, p: number, end: number, length: number, what: string): [number, number] {
  let b: number;
  do {
    if (p >= end) corrupt(`LZ4 ${what} length truncated`);
    b = src[p++]!;
    length += b;
  } while (b === 255);
  return [length, p];
}

/** Decode one LZ4 block (sequences of literals and matches) into `out`. */
function decodeBlock(src: Uint8Array, start: number, end: number, out: OutputBuffer, blockLimit: number): void {
  let p = start;
  const blockStart = out.pos;
  const maxEnd = blockStart + blockLimit;
  while (p < end) {
    const token = src[p++]!;
    let litLen = token >>> 4;
    if (litLen === 15) [litLen, p] = extendLength(src, p, end, litLen, 'literal');
    if (p + litLen > end) corrupt('LZ4 literals overrun the block');
    if (out.pos + litLen > maxEnd) corrupt('LZ4 block decompresses past 8 MiB');
    out.reserve(litLen);
    out.bytes.set(src.subarray(p, p + litLen), out.pos);
    out.pos += litLen;
    p += litLen;
    if (p === end) return; // the last sequence has literals only
    if (p + 2 > end) corrupt('LZ4 match offset truncated');
    const offset = src[p]! | (src[p + 1]! << 8);
    p += 2;
    if (offset === 0 || offset > out.pos) corrupt('LZ4 match offset out of range');
    let matchLen = (token & 15) + 4;
    if ((token & 15) === 15) [matchLen, p] = extendLength(src, p, end, matchLen, 'match');
    if (out.pos + matchLen > maxEnd) corrupt('LZ4 block decompresses past 8 MiB');
    out.copyMatch(offset, matchLen);
  }
  corrupt('LZ4 block ends inside a sequence');
}

export function decompressLz4Legacy(input: Uint8Array, maxOutput: number, sizeHint?: number): Uint8Array {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (input.length < 4 || dv.getUint32(0, true) !== LZ4_LEGACY_MAGIC) corrupt('no LZ4 legacy magic');
  const out = new OutputBuffer(sizeHint ?? input.length * 3, maxOutput);
  let p = 4;
  while (p + 4 <= input.length) {
    if (p + 4 === input.length && out.pos > 0) break; // the size trailer
    const size = dv.getUint32(p, true);
    p += 4;
    if (size === LZ4_LEGACY_MAGIC) continue; // a concatenated stream
    if (size === 0) break;
    if (p + size > input.length) corrupt('LZ4 block truncated');
    decodeBlock(input, p, p + size, out, LZ4_LEGACY_BLOCK_MAX);
    p += size;
  }
  if (out.pos === 0) corrupt('LZ4 stream holds no data');
  return out.result();
}
