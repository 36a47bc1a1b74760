import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xenner } from '../helpers/cli.js';
import { bzImageAround } from '../helpers/bzimage.js';
import { buildTestElf, linuxLike32, linuxLike64 } from '../helpers/xen-elf.js';

const tmp = mkdtempSync(join(tmpdir(), 'xenner-info-'));
const file = (name: string, bytes: Uint8Array): string => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

describe('xenner info on Xen PV kernels', () => {
  it('prints the decoded notes and the address of every start-of-day region', () => {
    const k = file('pv64.elf', buildTestElf(linuxLike64({ initP2m: true, modStartPfn: true })));
    const r = xenner(['info', '--memory', '64', k]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/xen:\s+x86_64 PV kernel, ELF; notes from ELF notes/);
    expect(r.stdout).toMatch(/VIRT_BASE\s+0xffffffff80000000/);
    expect(r.stdout).toMatch(/INIT_P2M\s+0x8000000000/);
    expect(r.stdout).toMatch(/start of day \(64 MiB = 16384 pages/);
    for (const region of ['kernel', 'start_info', 'xenstore', 'console', 'page tables', 'boot stack', 'padding', 'p2m']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${region}\\s+0x[0-9a-f]+-0x[0-9a-f]+\\s+pfn`, 'm'));
    }
    expect(r.stdout).toMatch(/M2P \(read-only\) at 0xffff800000000000/);
    expect(r.stdout).toMatch(/hypercall page at 0xffffffff81001000/);
    expect(r.stdout).toMatch(/vcpu0:\s+rip 0xffffffff81000040 .* cs 0xe033 ds 0x0 ss 0xe02b/);
  });

  it('plans an initrd and reports JSON', () => {
    const k = file('pv32.elf', buildTestElf(linuxLike32()));
    const initrd = file('initrd', new Uint8Array(10000));
    const r = xenner(['info', '--json', '--initrd', initrd, k]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.xen.arch).toBe('x86_32 (PAE)');
    expect(j.xen.m2p).toBe('0xf5800000');
    expect(j.xen.regions.map((x: { name: string }) => x.name)).toEqual(['kernel', 'initrd', 'p2m', 'start_info', 'xenstore', 'console', 'page tables', 'boot stack', 'padding']);
    expect(j.xen.vcpu.cs).toBe('0xe019');
  });

  it('bad PV kernels are one line and exit 2', () => {
    const cases: [string, Uint8Array, string[], RegExp][] = [
      ['nonpae.elf', buildTestElf(linuxLike32({ paeMode: null })), [], /non-PAE/],
      ['big.elf', buildTestElf(linuxLike64()), ['--memory', '16'], /does not fit in 16 MiB/],
      ['unknown.bz', bzImageAround(new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]), 64), [], /unknown compression/],
    ];
    for (const [name, bytes, args, msg] of cases) {
      const r = xenner(['info', ...args, file(name, bytes)]);
      expect(r.status).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
    }
  });
});
