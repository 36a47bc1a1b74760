import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xenner } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'xenner-cli-'));

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack frames
  return lines[0]!;
}

describe('xenner CLI', () => {
  it('--help lists the commands and the exit statuses', () => {
    const r = xenner(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('run [options] <kernel>');
    expect(r.stdout).toContain('info [options] <kernel>');
    expect(r.stdout).toMatch(/odd\s+\(V << 1\) \| 1/);
  });

  it('run --help documents the xl/QEMU-style options', () => {
    const r = xenner(['run', '--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--memory', '--cmdline', '--initrd', '--vcpus', '--machine', '--log-level', '--log-file', '--dump-xenstore']) {
      expect(r.stdout).toContain(opt);
    }
  });

  it('a missing kernel file is one line and exit 2', () => {
    const r = xenner(['run', join(tmp, 'does-not-exist')]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/does-not-exist: no such file/);
    expect(r.stdout).toBe('');
  });

  it('a garbage image is one line and exit 2, for run and for info', () => {
    const garbage = join(tmp, 'garbage.img');
    writeFileSync(garbage, Buffer.from('this is not a kernel\n'.repeat(100)));
    for (const cmd of ['run', 'info']) {
      const r = xenner([cmd, garbage]);
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/garbage\.img: not a kernel image/);
    }
  });

  it('a truncated ELF is one line and exit 2', () => {
    const bad = join(tmp, 'truncated.elf');
    const b = Buffer.alloc(64);
    b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    b.writeBigUInt64LE(0x10000n, 32); // e_phoff beyond the file
    b.writeUInt16LE(56, 54);
    b.writeUInt16LE(3, 56);
    writeFileSync(bad, b);
    const r = xenner(['info', bad]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/truncated\.elf: bad ELF: program header table lies outside the file/);
  });

  it('an unknown option or a bad value is one line and exit 2', () => {
    for (const args of [['run', '--bogus', 'x'], ['run', '--memory', 'lots', 'x'], ['run', '--vcpus', '0', 'x'], ['frobnicate']]) {
      const r = xenner(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^xenner: /);
    }
  });

  it('info describes an ELF: class, entry, segments', () => {
    const r = xenner(['info', process.execPath]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/class:\s+ELF64 x86-64/);
    expect(r.stdout).toMatch(/entry:\s+0x[0-9a-f]+/);
    expect(r.stdout).toMatch(/LOAD\s+R-X/);
    const j = xenner(['info', '--json', process.execPath]);
    expect(JSON.parse(j.stdout)).toMatchObject({ format: 'elf', elf: { class: 64, machine: 'x86-64' } });
  });
});
