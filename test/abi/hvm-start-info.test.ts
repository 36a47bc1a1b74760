import { describe, expect, it } from 'vitest';
import { GUEST_ARCHES } from '../../src/abi/layout.js';
import { hvmMemmapTableEntry, hvmModlistEntry, hvmStartInfo } from '../../src/abi/xen/hvm-start-info.js';
import { cLayout, headerCheckUnavailable, ourLayout } from '../helpers/xen-headers.js';

const HEADER = ['xen/arch-x86/hvm/start_info.h'];

describe.each(GUEST_ARCHES)('PVH start info matches the public headers (%s)', (arch) => {
  const why = headerCheckUnavailable(arch);
  for (const decl of [hvmStartInfo, hvmModlistEntry, hvmMemmapTableEntry]) {
    it.skipIf(why !== undefined)(`${decl.name}${why ? ` (skipped: ${why})` : ''}`, () => {
      expect(ourLayout(decl, arch)).toEqual(cLayout(decl, arch, HEADER));
    });
  }
});
