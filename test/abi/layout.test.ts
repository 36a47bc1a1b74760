import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUEST_ARCHES, layout, struct } from '../../src/abi/layout.js';
import { expectedNasmFiles } from '../../tools/gen-nasm-abi.js';
import { NASM_UNITS } from '../../src/abi/nasm-units.js';
import { cConstants, cLayout, headerCheckUnavailable, ourConstants, ourLayout } from '../helpers/xen-headers.js';

describe('ABI layout rules', () => {
  it('aligns naturally, with 4-byte alignment for 64-bit fields on x86_32', () => {
    const s = struct('t', [{ name: 'a', type: 'u8' }, { name: 'b', type: 'u64' }, { name: 'c', type: 'u16' }]);
    expect(layout(s, 'x86_64').offset('b')).toBe(8);
    expect(layout(s, 'x86_64').size).toBe(24);
    expect(layout(s, 'x86_32').offset('b')).toBe(4);
    expect(layout(s, 'x86_32').size).toBe(16);
  });

  it('makes unsigned long the guest word', () => {
    const s = struct('t', [{ name: 'a', type: 'u32' }, { name: 'b', type: 'ulong' }]);
    expect(layout(s, 'x86_64').offset('b')).toBe(8);
    expect(layout(s, 'x86_32').offset('b')).toBe(4);
  });
});

describe('generated NASM includes', () => {
  it('are up to date with the TypeScript definitions (run `npm run gen:abi`)', () => {
    for (const [path, text] of expectedNasmFiles()) {
      expect(readFileSync(path, 'utf8'), path).toBe(text);
    }
  });
});

describe.each(GUEST_ARCHES)('Xen structures match the public headers (%s)', (arch) => {
  const why = headerCheckUnavailable(arch);
  const structs = NASM_UNITS.flatMap((u) => u.structs).filter((s) => s.cType !== undefined);
  it.skipIf(why !== undefined).each(structs.map((s) => [s.name, s] as const))(`%s${why ? ` (skipped: ${why})` : ''}`, (_name, s) => {
    expect(ourLayout(s, arch)).toEqual(cLayout(s, arch, [s.cHeader ?? 'xen/xen.h']));
  });
});

describe.each(GUEST_ARCHES)('Xen constants match the public headers (%s)', (arch) => {
  const why = headerCheckUnavailable(arch);
  const groups = NASM_UNITS.flatMap((u) => u.consts).filter((g) => g.cHeader !== undefined);
  it.skipIf(why !== undefined).each(groups.map((g) => [g.prefix, g] as const))(`%s*${why ? ` (skipped: ${why})` : ''}`, (_prefix, g) => {
    expect(ourConstants(g, arch)).toEqual(cConstants(g, arch));
  });
});
