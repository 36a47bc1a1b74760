/** Assemble a NASM snippet to flat binary (test helper; nasm is installed on dev and CI machines). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { createTestCpu, type TestCpu } from '../../src/cpu/testing.js';

export function asm(bits: 16 | 32 | 64, source: string, org = 0x1000): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'xenner-asm-'));
  try {
    writeFileSync(join(dir, 'a.asm'), `bits ${bits}\norg 0x${org.toString(16)}\n${source}\n`);
    execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'a.bin'), join(dir, 'a.asm')], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CODE = 0x1000;

/** A test CPU with `source` assembled at CODE and RIP there. */
export function cpuWith(mode: 16 | 32 | 64, source: string, opts: { paging?: boolean; pae?: boolean; cpl?: 0 | 3; memSize?: number } = {}): TestCpu {
  const memory = new GuestMemory(opts.memSize ?? 4 * 1024 * 1024);
  const t = createTestCpu({ mode, memory, paging: opts.paging, pae: opts.pae, cpl: opts.cpl });
  memory.writeBytes(CODE, asm(mode, source, CODE));
  t.set('rip', BigInt(CODE));
  return t;
}
