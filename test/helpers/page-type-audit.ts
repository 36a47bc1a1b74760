/**
 * Audits emu64's page-type table (src/emu/x86_64/page-types.inc) against
 * the page tables in guest memory: every frame's reference count must be
 * what the validated tables imply. A writable frame is referenced once per
 * writable mapping in a validated L1; a table frame once per entry of a
 * validated table of the level above, plus its pin. Top-level tables may
 * hold one or two more (the vCPU's kernel and user base pointers).
 *
 * A mismatch means emu lost or leaked a reference: the guest will later
 * see a spurious -EBUSY, or could map a page table writable.
 */
import type { Domain } from '../../src/host/domain/domain.js';

export interface TypeMismatch {
  mfn: number;
  type: number;
  count: number;
  expected: number;
}

const TYPE_SHIFT = 28;
const PINNED = 1 << 27;
const COUNT_MASK = PINNED - 1;
/** Xen's hole in a 64-bit L4: slots 256-271 are emu's, not the guest's. */
const HOLE_FIRST = 256;
const HOLE_END = 272;

export function auditPageTypes(domain: Domain): TypeMismatch[] {
  const boot = domain.config.emuBoot;
  if (boot === undefined || domain.arch !== 'x86_64') throw new Error('the audit reads emu64 page types');
  const mem = domain.mem;
  const nr = domain.config.nrPages;
  const table = boot.frameInfo.mfn * 4096;
  const info = (f: number): number => mem.read32(table + f * 4) >>> 0;
  const expected = new Map<number, number>();
  const add = (f: number): void => void expected.set(f, (expected.get(f) ?? 0) + 1);
  for (let f = 0; f < nr; f++) {
    const i = info(f);
    const type = i >>> TYPE_SHIFT;
    if ((i & COUNT_MASK) === 0 || type < 1 || type > 4) continue;
    for (let e = 0; e < 512; e++) {
      if (type === 4 && e >= HOLE_FIRST && e < HOLE_END) continue;
      const pte = mem.read64(f * 4096 + e * 8);
      if ((pte & 1n) === 0n) continue;
      const target = Number((pte >> 12n) & 0xffffffffffn);
      if (type > 1) add(target);
      else if ((pte & 2n) !== 0n && target < nr) add(target);
    }
  }
  const out: TypeMismatch[] = [];
  for (let f = 0; f < nr; f++) {
    const i = info(f);
    const count = i & COUNT_MASK;
    const type = i >>> TYPE_SHIFT;
    if (type > 4) continue;
    const want = (expected.get(f) ?? 0) + ((i & PINNED) !== 0 ? 1 : 0);
    const slack = type === 4 ? 2 : 0;
    if (count === 0 && want === 0) continue;
    if (count < want || count > want + slack) out.push({ mfn: f, type, count, expected: want });
  }
  return out;
}
