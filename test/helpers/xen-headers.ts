/**
 * Checks our ABI layouts against Xen's public headers (Debian's libxen-dev,
 * /usr/include/xen): a C program prints offsetof/sizeof for every field,
 * compiled for x86_64 (-m64) and x86_32 (-m32).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layout, type ConstGroup, type GuestArch, type StructDecl, type StructLayout } from '../../src/abi/layout.js';

export const XEN_HEADERS = '/usr/include/xen/xen.h';

/** Every public header our ABI definitions come from, included by each check. */
export const XEN_PUBLIC_HEADERS: readonly string[] = [
  'xen/xen.h',
  'xen/elfnote.h',
  'xen/version.h',
  'xen/features.h',
  'xen/callback.h',
  'xen/event_channel.h',
  'xen/grant_table.h',
  'xen/sched.h',
  'xen/vcpu.h',
  'xen/memory.h',
  'xen/errno.h',
  'xen/io/console.h',
  'xen/io/xs_wire.h',
  'xen/arch-x86/hvm/start_info.h',
];

/** Why the header check cannot run here, or undefined when it can. */
export function headerCheckUnavailable(arch: GuestArch): string | undefined {
  if (!existsSync(XEN_HEADERS)) return 'Xen public headers missing (apt-get install libxen-dev)';
  const probe = spawnSync('gcc', [arch === 'x86_64' ? '-m64' : '-m32', '-x', 'c', '-o', '/dev/null', '-'], {
    input: '#include <stdio.h>\nint main(void){return 0;}\n',
  });
  if (probe.error || probe.status !== 0) return `gcc cannot build ${arch} programs (apt-get install gcc-multilib)`;
  return undefined;
}

interface Probe {
  key: string;
  expr: string;
}

function probes(l: StructLayout, decl: StructDecl, cBase: string, keyBase: string, out: Probe[]): void {
  for (const f of decl.fields) {
    const fl = l.fields.get(f.name);
    if (fl === undefined) continue; // a field of the other architecture
    const cMember = `${cBase}${cBase ? '.' : ''}${f.cPath ?? f.name}`;
    const key = `${keyBase}${keyBase ? '.' : ''}${f.name}`;
    out.push({ key, expr: cMember });
    // An array of structures: probe the members of element 0.
    const cElem = fl.count > 1 ? `${cMember}[0]` : cMember;
    if (typeof f.type !== 'string' && fl.layout) probes(fl.layout, f.type, cElem, key, out);
  }
}

/** Offsets (and "sizeof") as the C compiler sees them, keyed by our dotted field paths. */
export function cLayout(decl: StructDecl, arch: GuestArch): Map<string, number> {
  if (!decl.cType) throw new Error(`${decl.name} has no cType`);
  const l = layout(decl, arch);
  const ps: Probe[] = [];
  probes(l, decl, '', '', ps);
  const dir = mkdtempSync(join(tmpdir(), 'xenner-abi-'));
  const src = join(dir, 'probe.c');
  const lines = [
    '#define __XEN_INTERFACE_VERSION__ 0x00040e00',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '#include <stdio.h>',
    ...XEN_PUBLIC_HEADERS.map((h) => `#include <${h}>`),
    'int main(void) {',
    `  printf("sizeof %zu\\n", sizeof(${decl.cType}));`,
    ...ps.map((p) => `  printf("${p.key} %zu\\n", offsetof(${decl.cType}, ${p.expr}));`),
    '  return 0;',
    '}',
  ];
  writeFileSync(src, lines.join('\n'));
  const exe = join(dir, 'probe');
  execFileSync('gcc', [arch === 'x86_64' ? '-m64' : '-m32', '-o', exe, src]);
  const out = execFileSync(exe, { encoding: 'utf8' });
  const m = new Map<string, number>();
  for (const line of out.trim().split('\n')) {
    const [k, v] = line.split(' ');
    m.set(k!, Number(v));
  }
  return m;
}

/** Our layout in the same shape as cLayout's answer. */
export function ourLayout(decl: StructDecl, arch: GuestArch): Map<string, number> {
  const l = layout(decl, arch);
  const m = new Map<string, number>([['sizeof', l.size]]);
  const ps: Probe[] = [];
  probes(l, decl, '', '', ps);
  for (const p of ps) m.set(p.key, l.offset(p.key));
  return m;
}

/** Every constant of a group as the C preprocessor sees it in Xen's header. */
export function cConstants(group: ConstGroup, arch: GuestArch): Map<string, bigint> {
  if (!group.cHeader) throw new Error(`${group.prefix} has no cHeader`);
  const values = { ...group.values, ...(group.perArch?.[arch] ?? {}) };
  const dir = mkdtempSync(join(tmpdir(), 'xenner-abi-'));
  const src = join(dir, 'consts.c');
  writeFileSync(
    src,
    [
      '#define __XEN_INTERFACE_VERSION__ 0x00040e00',
      '#include <stdint.h>',
      '#include <stdio.h>',
      ...XEN_PUBLIC_HEADERS.map((h) => `#include <${h}>`),
      'int main(void) {',
      ...Object.keys(values).map((k) => `  printf("${k} %llu\\n", (unsigned long long)(${group.prefix}${k}));`),
      '  return 0;',
      '}',
    ].join('\n'),
  );
  const exe = join(dir, 'consts');
  execFileSync('gcc', [arch === 'x86_64' ? '-m64' : '-m32', '-o', exe, src]);
  const m = new Map<string, bigint>();
  for (const line of execFileSync(exe, { encoding: 'utf8' }).trim().split('\n')) {
    if (line === '') continue; // a group with no values for this architecture
    const [k, v] = line.split(' ');
    m.set(k!, BigInt(v!));
  }
  return m;
}

export function ourConstants(group: ConstGroup, arch: GuestArch): Map<string, bigint> {
  const values = { ...group.values, ...(group.perArch?.[arch] ?? {}) };
  return new Map(Object.entries(values).map(([k, v]) => [k, BigInt.asUintN(64, BigInt(v))]));
}
