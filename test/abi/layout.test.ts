import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUEST_ARCHES, layout, renderNasm, struct } from '../../src/abi/layout.js';
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

describe('per-architecture fields', () => {
  const s = struct('t', [
    { name: 'words', type: 'ulong', count: { x86_64: 2, x86_32: 3 } },
    { name: 'only64', type: 'u32', arch: 'x86_64' },
    { name: 'tail', type: 'u32' },
  ]);

  it('sizes arrays per architecture and drops the other architecture\'s fields', () => {
    const l64 = layout(s, 'x86_64');
    const l32 = layout(s, 'x86_32');
    expect(l64.offset('only64')).toBe(16);
    expect(l64.offset('tail')).toBe(20);
    expect(l64.size).toBe(24);
    expect(() => l32.offset('only64')).toThrow();
    expect(l32.offset('tail')).toBe(12);
    expect(l32.size).toBe(16);
  });

  it('renders only the fields of the architecture into NASM', () => {
    const unit = { file: 't.inc', title: 't', consts: [], structs: [s] };
    expect(renderNasm(unit, 'x86_64')).toContain('%define t_only64 16');
    expect(renderNasm(unit, 'x86_32')).not.toContain('only64');
    expect(renderNasm(unit, 'x86_32')).toContain('%define t_tail 12');
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
    expect(ourLayout(s, arch)).toEqual(cLayout(s, arch));
  });
});

describe.each(GUEST_ARCHES)('Xen constants match the public headers (%s)', (arch) => {
  const why = headerCheckUnavailable(arch);
  const groups = NASM_UNITS.flatMap((u) => u.consts).filter((g) => g.cHeader !== undefined);
  it.skipIf(why !== undefined).each(groups.map((g) => [g.prefix, g] as const))(`%s*${why ? ` (skipped: ${why})` : ''}`, (_prefix, g) => {
    expect(ourConstants(g, arch)).toEqual(cConstants(g, arch));
  });
});
