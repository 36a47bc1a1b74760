/**
 * Evaluates C constant expressions against Xen's public headers, for one
 * guest arch (gcc -m64 / -m32), so that tests can compare our TypeScript
 * ABI constants with the real ones. See xen-headers.ts for structures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestArch } from '../../src/abi/layout.js';

export function cConstants(arch: GuestArch, includes: readonly string[], exprs: Record<string, string>): Map<string, bigint> {
  const dir = mkdtempSync(join(tmpdir(), 'xenner-const-'));
  const src = join(dir, 'probe.c');
  const names = Object.keys(exprs);
  writeFileSync(
    src,
    [
      '#define __XEN_INTERFACE_VERSION__ 0x00040e00',
      '#include <stddef.h>',
      '#include <stdint.h>',
      '#include <stdio.h>',
      ...includes.map((h) => `#include <${h}>`),
      'int main(void) {',
      ...names.map((n) => `  printf("${n} %llu\\n", (unsigned long long)(${exprs[n]}));`),
      '  return 0;',
      '}',
    ].join('\n'),
  );
  const exe = join(dir, 'probe');
  execFileSync('gcc', [arch === 'x86_64' ? '-m64' : '-m32', '-o', exe, src]);
  const out = execFileSync(exe, { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => {
    const [k, v] = l.split(' ');
    return [k!, BigInt(v!)] as const;
  }));
}
