/**
 * The benchmark guests are multiboot kernels using the a.out kludge (flags
 * bit 16: load address and entry in the header). This finds that header so
 * our CPU can load the same file v86 boots. (The bare machine's full
 * multiboot loader is issue 4's.)
 */
export interface FlatMultiboot {
  loadAddr: number;
  entry: number;
  /** Bytes from the file to place at loadAddr. */
  image: Uint8Array;
}

export function parseFlatMultiboot(file: Uint8Array): FlatMultiboot {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  for (let off = 0; off + 32 <= Math.min(file.length, 8192); off += 4) {
    if (view.getUint32(off, true) !== 0x1badb002) continue;
    const flags = view.getUint32(off + 4, true);
    if (((0x1badb002 + flags + view.getUint32(off + 8, true)) >>> 0) !== 0) continue;
    if ((flags & 0x10000) === 0) throw new Error('multiboot header without the address fields (flag 16)');
    const headerAddr = view.getUint32(off + 12, true);
    const loadAddr = view.getUint32(off + 16, true);
    const entry = view.getUint32(off + 28, true);
    const start = off - (headerAddr - loadAddr);
    return { loadAddr, entry, image: file.subarray(start) };
  }
  throw new Error('no multiboot header in the first 8 KiB');
}
