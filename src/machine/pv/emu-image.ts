/**
 * emu's binary image (src/emu/emu64.bin, built from NASM and committed):
 * where it is, and its header checked against the ABI it was built for
 * (src/abi/emu-image.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EMU_IMAGE_MAGIC, emuImageHeader } from '../../abi/emu-image.js';
import { EMU_PROTOCOL_VERSION } from '../../abi/emu-port.js';
import type { GuestArch } from '../../abi/layout.js';
import { UserError } from '../../cli/user-error.js';
import { layoutOf } from '../../host/common/struct-view.js';
import { PAGE_SIZE } from '../../memory/guest-memory.js';

export interface EmuImage {
  bytes: Uint8Array;
  /** Link address: the image is loaded to run there. */
  base: bigint;
  entry: bigint;
  /** Pages from the base to the end of .bss. */
  pages: number;
}

const FILES: Readonly<Record<GuestArch, string>> = { x86_64: 'emu64.bin', x86_32: 'emu32.bin' };

/**
 * src/emu/<file>, found from this module whether it runs from src/machine/pv
 * (tests) or dist/src/machine/pv (the built CLI; the binaries stay in src/).
 */
function emuPath(arch: GuestArch): string {
  const candidates = [`../../emu/${FILES[arch]}`, `../../../../src/emu/${FILES[arch]}`].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** Read and check the header of an emu image linked at `base`. */
export function parseEmuImage(bytes: Uint8Array, base: bigint, arch: GuestArch): EmuImage {
  const l = layoutOf(emuImageHeader, 'x86_64');
  if (bytes.length < l.size) throw new Error(`emu image for ${arch} is truncated (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(l.offset('magic'), true);
  if (magic !== EMU_IMAGE_MAGIC) throw new Error(`emu image for ${arch} has a bad magic 0x${magic.toString(16)}`);
  const protocol = dv.getUint32(l.offset('protocol'), true);
  if (protocol >>> 16 !== EMU_PROTOCOL_VERSION >>> 16) {
    throw new Error(`emu image speaks emu-port protocol ${protocol >>> 16}.${protocol & 0xffff}; this host speaks ${EMU_PROTOCOL_VERSION >>> 16}.x (rebuild it with npm run build:guest)`);
  }
  const bits = dv.getUint32(l.offset('guest_bits'), true);
  if (bits !== (arch === 'x86_64' ? 64 : 32)) throw new Error(`emu image for ${arch} serves ${bits}-bit guests`);
  const entry = dv.getBigUint64(l.offset('entry'), true);
  const end = dv.getBigUint64(l.offset('image_end'), true);
  const span = end - base;
  if (end <= base || span % BigInt(PAGE_SIZE) !== 0n || span < BigInt(bytes.length) || span > 1n << 21n) {
    throw new Error(`emu image for ${arch} has a bad end address 0x${end.toString(16)}`);
  }
  if (entry < base || entry >= base + BigInt(bytes.length)) throw new Error(`emu image for ${arch} has its entry 0x${entry.toString(16)} outside its code`);
  return { bytes, base, entry, pages: Number(span) / PAGE_SIZE };
}

export function loadEmuImage(arch: GuestArch, base: bigint): EmuImage {
  const path = emuPath(arch);
  if (!existsSync(path)) throw new UserError(`emu's image ${path} is missing: this xenner installation is incomplete (npm run build:guest rebuilds it)`);
  return parseEmuImage(new Uint8Array(readFileSync(path)), base, arch);
}
