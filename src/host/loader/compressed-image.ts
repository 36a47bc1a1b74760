/**
 * A kernel file that is itself compressed (`gzip vmlinux`, as Mini-OS and
 * older Xen kernels ship): Xen's loader decompresses such a file before
 * looking at it (libxenguest's xc_dom_try_gunzip and its other
 * decompressors), and so do we. No size is appended here, so only the
 * overall cap bounds the output.
 */
import { BadImageError } from '../../cli/user-error.js';
import { CorruptDataError } from './decompress/errors.js';
import { decompress, detectCompression, type Compression } from './decompress/index.js';

/** Largest decompressed kernel file we accept. */
export const MAX_DECOMPRESSED_IMAGE = 512 << 20;

export interface DecompressedImage {
  compression: Compression;
  bytes: Uint8Array;
}

/** The decompressed contents of a compressed file, or undefined if it is not compressed. */
export function decompressImage(bytes: Uint8Array, file: string): DecompressedImage | undefined {
  const compression = detectCompression(bytes);
  if (compression === undefined) return undefined;
  try {
    return { compression, bytes: decompress(compression, bytes, MAX_DECOMPRESSED_IMAGE) };
  } catch (e) {
    if (e instanceof CorruptDataError) throw new BadImageError(file, `${compression}-compressed image: ${e.message}`);
    throw e;
  }
}
