/**
 * Decompressors for the payloads Linux builds into a bzImage, picked by
 * the payload's magic bytes: gzip (Node's zlib), xz and lzma (ours, with
 * the x86 BCJ filter Linux uses), LZ4 legacy frames (ours), zstd (fzstd)
 * and bzip2 (seek-bzip). All run synchronously on the whole payload.
 */
import { gunzipSync } from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import Bunzip from 'seek-bzip';
import { corrupt, CorruptDataError } from './errors.js';
import { decompressLz4Legacy, LZ4_LEGACY_MAGIC } from './lz4-legacy.js';
import { decompressLzma } from './lzma.js';
import { decompressXz } from './xz.js';

export type Compression = 'gzip' | 'xz' | 'lzma' | 'lz4' | 'zstd' | 'bzip2' | 'lzo';

const MAGICS: readonly { kind: Compression; magic: readonly number[] }[] = [
  { kind: 'gzip', magic: [0x1f, 0x8b] },
  { kind: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'lz4', magic: [LZ4_LEGACY_MAGIC & 0xff, (LZ4_LEGACY_MAGIC >>> 8) & 0xff, (LZ4_LEGACY_MAGIC >>> 16) & 0xff, LZ4_LEGACY_MAGIC >>> 24] },
  { kind: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { kind: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { kind: 'lzo', magic: [0x89, 0x4c, 0x5a, 0x4f] },
  // .lzma has no magic; Linux's (and every lzma -N) header starts with props 0x5d and a small dictionary size.
  { kind: 'lzma', magic: [0x5d, 0x00, 0x00] },
];

export function detectCompression(data: Uint8Array): Compression | undefined {
  return MAGICS.find((m) => m.magic.every((b, i) => data[i] === b))?.kind;
}

/** Compressions we can decompress (LZO is recognised, to name it in the error). */
export const SUPPORTED_COMPRESSIONS: readonly Compression[] = ['gzip', 'xz', 'lzma', 'lz4', 'zstd', 'bzip2'];

function bunzip(data: Uint8Array, maxOutput: number, sizeHint?: number): Uint8Array {
  const cap = Math.min(maxOutput, sizeHint ?? maxOutput);
  let out = new Uint8Array(Math.min(cap, Math.max(1 << 16, data.length * 4)));
  let outPos = 0;
  let inPos = 0;
  Bunzip.decode(
    {
      readByte: () => {
        if (inPos >= data.length) corrupt('bzip2 data truncated');
        return data[inPos++]!;
      },
      seek: (pos) => {
        inPos = pos;
      },
      read: (buffer, offset, length) => {
        if (inPos >= data.length) return -1;
        const n = Math.min(length, data.length - inPos);
        buffer.set(data.subarray(inPos, inPos + n), offset);
        inPos += n;
        return n;
      },
      eof: () => inPos >= data.length,
    },
    {
      writeByte: (b) => {
        if (outPos >= out.length) {
          if (out.length >= cap) corrupt(`bzip2 output exceeds ${cap} bytes`);
          const grown = new Uint8Array(Math.min(cap, out.length * 2));
          grown.set(out);
          out = grown;
        }
        out[outPos++] = b;
      },
    },
    true,
  );
  return out.subarray(0, outPos);
}

function zstd(data: Uint8Array, maxOutput: number, sizeHint?: number): Uint8Array {
  // Streamed so that a frame cannot make us produce more than the cap,
  // whatever its header claims.
  const cap = Math.min(maxOutput, sizeHint ?? maxOutput);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdStream((chunk) => {
    total += chunk.length;
    if (total > cap) corrupt(`zstd output exceeds ${cap} bytes`);
    chunks.push(chunk);
  });
  stream.push(data, true);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Decompress `data` of the given kind. `sizeHint` is the uncompressed size
 * when known (Linux appends it to every compressed kernel). Any failure,
 * ours or a library's, becomes a CorruptDataError.
 */
export function decompress(kind: Compression, data: Uint8Array, maxOutput: number, sizeHint?: number): Uint8Array {
  try {
    switch (kind) {
      case 'gzip':
        return new Uint8Array(gunzipSync(data, { maxOutputLength: maxOutput }));
      case 'xz':
        return decompressXz(data, maxOutput, sizeHint);
      case 'lzma':
        return decompressLzma(data, maxOutput, sizeHint);
      case 'lz4':
        return decompressLz4Legacy(data, maxOutput, sizeHint);
      case 'zstd':
        return zstd(data, maxOutput, sizeHint);
      case 'bzip2':
        return bunzip(data, maxOutput, sizeHint);
      case 'lzo':
        return corrupt('LZO-compressed kernels are not supported');
    }
  } catch (e) {
    if (e instanceof CorruptDataError) throw e;
    // Library errors (zlib, fzstd, seek-bzip) and RangeErrors from bad sizes.
    throw new CorruptDataError(`${kind}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
