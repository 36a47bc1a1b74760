/**
 * Places boot data (information structures, strings, modules) in guest RAM
 * above the kernel, the way QEMU's loaders do: a bump allocator that fails
 * with a clear user error when the guest memory is too small.
 */
import { UserError } from '../../cli/user-error.js';
import type { GuestMemory } from '../../memory/guest-memory.js';

/** Boot data must be reachable from 32-bit code. */
const LIMIT_4G = 2 ** 32;

export class BootAllocator {
  private next: number;

  constructor(private readonly memory: GuestMemory, start: number, private readonly what: string) {
    this.next = start;
  }

  /** Reserve `size` bytes aligned to `align`; returns the guest-physical address. */
  alloc(size: number, align = 8): number {
    const addr = Math.ceil(this.next / align) * align;
    const end = addr + size;
    if (end > this.memory.size || end > LIMIT_4G) {
      throw new UserError(`${this.what}: guest memory too small for the boot data (needs ${Math.ceil(end / 2 ** 20)} MiB; use --memory)`);
    }
    this.next = end;
    return addr;
  }

  /** Copy bytes in and return their address. */
  place(bytes: Uint8Array, align = 8): number {
    const addr = this.alloc(bytes.length, align);
    this.memory.writeBytes(addr, bytes);
    return addr;
  }

  /** A NUL-terminated Latin-1 string. */
  placeString(s: string): number {
    const bytes = new Uint8Array(s.length + 1);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
    return this.place(bytes, 1);
  }
}
