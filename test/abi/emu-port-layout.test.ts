/** The emu-port protocol's own structures (src/abi/emu-port.ts). */
import { describe, expect, it } from 'vitest';
import { GUEST_ARCHES, layout } from '../../src/abi/layout.js';
import { emuBootInfo, emuRequest, EMU_REQ_HEADER_SIZE, EMU_REQ_PAGE_SIZE } from '../../src/abi/emu-port.js';
import { ourLayout } from '../helpers/xen-headers.js';

describe.each(GUEST_ARCHES)('emu-port structures (%s)', (arch) => {
  it('the request page is one page with the data area after the header', () => {
    const l = layout(emuRequest, arch);
    expect(l.size).toBe(EMU_REQ_PAGE_SIZE);
    expect(l.offset('data')).toBe(EMU_REQ_HEADER_SIZE);
    expect(l.offset('ret') % 8).toBe(0);
  });
  it('boot info has the same layout for both word sizes', () => {
    expect(ourLayout(emuBootInfo, arch)).toEqual(ourLayout(emuBootInfo, 'x86_64'));
  });
});
