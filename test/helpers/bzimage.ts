/**
 * Builds Linux bzImages for tests: a setup header (boot protocol 2.15)
 * followed by a payload compressed with the same command-line tools Linux's
 * build uses, with the uncompressed size appended as Linux does.
 */
import { spawnSync } from 'node:child_process';
import type { Compression } from '../../src/host/loader/decompress/index.js';

const TOOLS: Record<Exclude<Compression, 'lzo'>, [string, string[]]> = {
  gzip: ['gzip', ['-9', '-n', '-c']],
  xz: ['xz', ['--format=xz', '--check=crc32', '--x86', '--lzma2=dict=1MiB', '-c']],
  lzma: ['xz', ['--format=lzma', '-9', '-c']],
  lz4: ['lz4', ['-l', '-9', '-c']],
  zstd: ['zstd', ['-19', '-c', '-q']],
  bzip2: ['bzip2', ['-9', '-c']],
};

/** Why `kind` cannot be produced here, or undefined. */
export function compressorMissing(kind: Exclude<Compression, 'lzo'>): string | undefined {
  const [cmd] = TOOLS[kind];
  const r = spawnSync(cmd, ['--version']);
  return r.error ? `${cmd} is not installed` : undefined;
}

export function compressWith(kind: Exclude<Compression, 'lzo'>, data: Uint8Array): Uint8Array {
  const [cmd, args] = TOOLS[kind];
  const r = spawnSync(cmd, args, { input: data, maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} failed: ${r.error?.message ?? r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

/** A bzImage whose payload is `payload` (already compressed), size trailer added. */
export function bzImageAround(payload: Uint8Array, uncompressedSize: number, protocol = 0x020f): Uint8Array {
  const setupSects = 1;
  const pmOffset = (setupSects + 1) * 512;
  const payloadOffset = 0x40;
  const out = new Uint8Array(pmOffset + payloadOffset + payload.length + 4);
  const dv = new DataView(out.buffer);
  out[0x1f1] = setupSects;
  dv.setUint16(0x1fe, 0xaa55, true);
  dv.setUint32(0x202, 0x53726448, true); // "HdrS"
  dv.setUint16(0x206, protocol, true);
  dv.setUint32(0x248, payloadOffset, true);
  dv.setUint32(0x24c, payload.length + 4, true);
  out.set(payload, pmOffset + payloadOffset);
  dv.setUint32(pmOffset + payloadOffset + payload.length, uncompressedSize, true);
  return out;
}

export function makeBzImage(elf: Uint8Array, kind: Exclude<Compression, 'lzo'>): Uint8Array {
  return bzImageAround(compressWith(kind, elf), elf.length);
}
