/**
 * Linux bzImage (Documentation/arch/x86/boot.rst): the real-mode setup
 * header at 0x1f1, and since boot protocol 2.08 the location of the
 * compressed kernel (payload_offset/payload_length, relative to the start
 * of the protected-mode code, which follows the setup sectors). Xen's
 * loader boots a bzImage by decompressing that payload, an ELF vmlinux,
 * and loading it as any PV ELF; we do the same.
 */
import { BadImageError } from '../../cli/user-error.js';
import { CorruptDataError } from './decompress/errors.js';
import { decompress, detectCompression, SUPPORTED_COMPRESSIONS, type Compression } from './decompress/index.js';

const SETUP_SECTS = 0x1f1;
const BOOT_FLAG = 0x1fe;
const HEADER_MAGIC = 0x202;
const VERSION = 0x206;
const PAYLOAD_OFFSET = 0x248;
const PAYLOAD_LENGTH = 0x24c;
/** First protocol with payload_offset/payload_length. */
const MIN_PROTOCOL = 0x208;
/** Largest decompressed kernel we accept (vmlinux with symbols is ~70 MiB). */
export const MAX_DECOMPRESSED_KERNEL = 512 << 20;

export interface BzImageHeader {
  protocol: number;
  setupSects: number;
  /** File offset of the compressed payload. */
  payloadOffset: number;
  payloadLength: number;
}

export interface BzImagePayload {
  header: BzImageHeader;
  compression: Compression;
  /** The decompressed payload (an ELF vmlinux for x86). */
  kernel: Uint8Array;
}

export function parseBzImageHeader(bytes: Uint8Array, file: string): BzImageHeader {
  const bad = (d: string): never => {
    throw new BadImageError(file, `bad bzImage: ${d}`);
  };
  if (bytes.length < PAYLOAD_LENGTH + 4) bad('truncated setup header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(BOOT_FLAG, true) !== 0xaa55 || dv.getUint32(HEADER_MAGIC, true) !== 0x53726448) bad('no setup header signature');
  const protocol = dv.getUint16(VERSION, true);
  if (protocol < MIN_PROTOCOL) {
    bad(`boot protocol ${protocol >> 8}.${(protocol & 0xff).toString().padStart(2, '0')} predates the payload fields (2.08 needed)`);
  }
  // A setup_sects of 0 means 4 (boot.rst).
  const setupSects = bytes[SETUP_SECTS] || 4;
  const payloadOffset = (setupSects + 1) * 512 + dv.getUint32(PAYLOAD_OFFSET, true);
  const payloadLength = dv.getUint32(PAYLOAD_LENGTH, true);
  if (payloadLength === 0 || payloadOffset + payloadLength > bytes.length) {
    bad(`payload (offset ${payloadOffset}, length ${payloadLength}) lies outside the file`);
  }
  return { protocol, setupSects, payloadOffset, payloadLength };
}

/**
 * Extract and decompress the payload. Linux appends the uncompressed size
 * (u32) to every compressed kernel; it bounds the output and is checked.
 */
export function extractBzImage(bytes: Uint8Array, file: string): BzImagePayload {
  const header = parseBzImageHeader(bytes, file);
  const payload = bytes.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
  const compression = detectCompression(payload);
  if (compression === undefined) {
    const magic = Buffer.from(payload.subarray(0, 4)).toString('hex');
    throw new BadImageError(file, `bzImage payload has an unknown compression (magic ${magic}; xenner knows ${SUPPORTED_COMPRESSIONS.join(', ')})`);
  }
  if (payload.length < 8) throw new BadImageError(file, 'bzImage payload truncated');
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const size = dv.getUint32(payload.length - 4, true);
  if (size === 0 || size > MAX_DECOMPRESSED_KERNEL) throw new BadImageError(file, `bzImage payload claims ${size} bytes uncompressed`);
  let kernel: Uint8Array;
  try {
    kernel = decompress(compression, payload.subarray(0, payload.length - 4), MAX_DECOMPRESSED_KERNEL, size);
  } catch (e) {
    if (e instanceof CorruptDataError) throw new BadImageError(file, `bzImage ${compression} payload: ${e.message}`);
    throw e;
  }
  if (kernel.length !== size) throw new BadImageError(file, `bzImage ${compression} payload decompressed to ${kernel.length} bytes, not the ${size} it declares`);
  return { header, compression, kernel };
}
