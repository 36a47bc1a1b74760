import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CorruptDataError } from '../../../src/host/loader/decompress/errors.js';
import { decompress, detectCompression, SUPPORTED_COMPRESSIONS, type Compression } from '../../../src/host/loader/decompress/index.js';
import { compressorMissing, compressWith } from '../../helpers/bzimage.js';

/** Real x86 code (exercises the BCJ filter) plus text and zeros: the node binary's start. */
const node = new Uint8Array(readFileSync(process.execPath).subarray(0, 3 << 20));
const samples: [string, Uint8Array][] = [
  ['x86 code', node],
  ['empty-ish', new Uint8Array(1)],
  ['zeros', new Uint8Array(200_000)],
  ['text', new Uint8Array(Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(5000)))],
];
const kinds = SUPPORTED_COMPRESSIONS as readonly Exclude<Compression, 'lzo'>[];

describe.each(kinds)('%s decompression', (kind) => {
  const why = compressorMissing(kind);
  it.skipIf(why !== undefined).each(samples)(`round-trips %s through the real compressor${why ? ` (skipped: ${why})` : ''}`, (_n, data) => {
    const packed = compressWith(kind, data);
    expect(detectCompression(packed)).toBe(kind);
    const out = decompress(kind, packed, 64 << 20, data.length);
    expect(out.length).toBe(data.length);
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });

  it.skipIf(why !== undefined)('rejects truncated and corrupted data with CorruptDataError only', () => {
    const packed = compressWith(kind, node.subarray(0, 200_000));
    for (const cut of [1, 7, packed.length >> 1, packed.length - 5]) {
      expect(() => {
        const out = decompress(kind, packed.subarray(0, cut), 64 << 20, 200_000);
        // Some formats cannot tell a clean cut from the end: the output must then be short.
        if (out.length === 200_000) throw new Error('truncated input decompressed in full');
      }).toThrow(CorruptDataError);
    }
  });

  it.skipIf(why !== undefined)('never produces more than the output limit', () => {
    const packed = compressWith(kind, new Uint8Array(1 << 20));
    expect(() => decompress(kind, packed, 1 << 16, 1 << 16)).toThrow(CorruptDataError);
  });
});

describe('compression detection', () => {
  it('names LZO and unknown payloads', () => {
    expect(detectCompression(new Uint8Array([0x89, 0x4c, 0x5a, 0x4f, 0]))).toBe('lzo');
    expect(detectCompression(new Uint8Array([1, 2, 3, 4]))).toBeUndefined();
    expect(() => decompress('lzo', new Uint8Array(10), 100)).toThrow(/LZO/);
  });
});
