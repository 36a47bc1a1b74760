/**
 * The hypercall page: 128 stubs of 32 bytes, stub N making hypercall N.
 * The builder fills the page the kernel names in XEN_ELFNOTE_HYPERCALL_PAGE
 * through a {@link HypercallPageWriter}, so that emu can supply its own
 * later; {@link xenHypercallPage} writes the stubs Xen itself writes for
 * PV guests (xen/arch/x86/pv/hypercall.c): `syscall` for a 64-bit kernel
 * (which runs in ring 3), `int $0x82` for a 32-bit one (ring 1), with the
 * hypercall number in eax. __HYPERVISOR_iret is a jump target, not a call:
 * its stub does not return.
 */
import type { GuestArch } from '../../abi/layout.js';
import { HYPERCALL_VECTOR_32 } from '../../abi/xen/arch-x86.js';
import { Hypercall, HYPERCALL_STUB_SIZE } from '../../abi/xen/hypercalls.js';

export type HypercallPageWriter = (arch: GuestArch, page: Uint8Array) => void;

const PAGE_SIZE = 4096;
const INT3 = 0xcc;

function stubs64(page: Uint8Array): void {
  for (let n = 0; n < PAGE_SIZE / HYPERCALL_STUB_SIZE; n++) {
    const p = n * HYPERCALL_STUB_SIZE;
    const dv = new DataView(page.buffer, page.byteOffset + p, HYPERCALL_STUB_SIZE);
    if (n === Hypercall.iret) {
      // push %rcx; push %r11; push %rax; mov $23,%eax; syscall
      page.set([0x51, 0x41, 0x53, 0x50, 0xb8], p);
      dv.setUint32(5, n, true);
      page.set([0x0f, 0x05], p + 9);
      continue;
    }
    // push %rcx; push %r11; mov $n,%eax; syscall; pop %r11; pop %rcx; ret
    page.set([0x51, 0x41, 0x53, 0xb8], p);
    dv.setUint32(4, n, true);
    page.set([0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3], p + 8);
  }
}

function stubs32(page: Uint8Array): void {
  for (let n = 0; n < PAGE_SIZE / HYPERCALL_STUB_SIZE; n++) {
    const p = n * HYPERCALL_STUB_SIZE;
    const dv = new DataView(page.buffer, page.byteOffset + p, HYPERCALL_STUB_SIZE);
    if (n === Hypercall.iret) {
      // push %eax; mov $23,%eax; int $0x82
      page.set([0x50, 0xb8], p);
      dv.setUint32(2, n, true);
      page.set([0xcd, HYPERCALL_VECTOR_32], p + 6);
      continue;
    }
    // mov $n,%eax; int $0x82; ret
    page[p] = 0xb8;
    dv.setUint32(1, n, true);
    page.set([0xcd, HYPERCALL_VECTOR_32, 0xc3], p + 5);
  }
}

/** Xen's PV hypercall page; the bytes between stubs are int3, as Xen fills them. */
export const xenHypercallPage: HypercallPageWriter = (arch, page) => {
  if (page.length !== PAGE_SIZE) throw new RangeError(`hypercall page must be ${PAGE_SIZE} bytes`);
  page.fill(INT3);
  if (arch === 'x86_64') stubs64(page);
  else stubs32(page);
};
