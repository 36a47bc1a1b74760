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

/**
 * Tests compile a block on its second run, so loops exercise the block
 * compiler and straight-line code the interpreter.
 */
export const TEST_COMPILE_THRESHOLD = 2;

/** A test CPU with `source` assembled at CODE and RIP there. */
export function cpuWith(mode: 16 | 32 | 64, source: string, opts: { paging?: boolean; pae?: boolean; cpl?: 0 | 3; memSize?: number; compileThreshold?: number } = {}): TestCpu {
  const memory = new GuestMemory(opts.memSize ?? 4 * 1024 * 1024);
  const t = createTestCpu({ mode, memory, paging: opts.paging, pae: opts.pae, cpl: opts.cpl, compileThreshold: opts.compileThreshold ?? TEST_COMPILE_THRESHOLD });
  memory.writeBytes(CODE, asm(mode, source, CODE));
  t.set('rip', BigInt(CODE));
  return t;
}

export const FL = { CF: 0x1, PF: 0x4, AF: 0x10, ZF: 0x40, SF: 0x80, DF: 0x400, OF: 0x800 } as const;
export const ARITH = 0x8d5;

/** Run `source` (which must end in HLT) and return the test CPU. Fails the test on anything but a clean HLT. */
export function exec(mode: 16 | 32 | 64, source: string, opts: { paging?: boolean; cpl?: 0 | 3 } = {}): TestCpu {
  const t = cpuWith(mode, source, opts);
  const r = t.run(1_000_000);
  if (r.reason !== 5 || r.exception !== undefined) {
    throw new Error(`snippet did not halt cleanly: exit ${r.reason}, exception ${JSON.stringify(r.exception)}, rip 0x${t.cpu.s.rip.toString(16)}, ${t.cpu.exit.internal.message}`);
  }
  return t;
}

/** Run `source` expecting an exception; returns it. */
export function trap(mode: 16 | 32 | 64, source: string, opts: { paging?: boolean; cpl?: 0 | 3 } = {}): { vector: number; errorCode?: number; t: TestCpu } {
  const t = cpuWith(mode, source, opts);
  const r = t.run(1_000_000);
  if (r.exception === undefined) throw new Error(`no exception: exit ${r.reason}, rip 0x${t.cpu.s.rip.toString(16)}`);
  return { ...r.exception, t };
}

export const r64 = (t: TestCpu, reg: 'rax' | 'rbx' | 'rcx' | 'rdx' | 'rsi' | 'rdi' | 'rsp' | 'rbp' | 'r8' | 'r9'): bigint => t.get(reg);

/**
 * Long-mode setup for paging tests: 4-level tables at 0x100000 mapping the
 * first 2 MiB with 4 KiB pages (PT at 0x103000, user-accessible), the next
 * 2 MiB (the harness area) with one large page, and CR3 loaded.
 */
export const PT64 = `
  mov edi, 0x100000
  mov ecx, 0x1000
  xor eax, eax
  rep stosd
  mov dword [0x100000], 0x101007      ; PML4[0] -> PDPT
  mov dword [0x101000], 0x102007      ; PDPT[0] -> PD
  mov dword [0x102000], 0x103007      ; PD[0] -> PT
  mov dword [0x102008], 0x200087      ; PD[1]: 2 MiB page (the harness area)
  mov edi, 0x103000
  mov eax, 7
  mov ecx, 512
fill:
  mov [rdi], eax
  add eax, 0x1000
  add rdi, 8
  loop fill
  mov rax, 0x100000
  mov cr3, rax
`;
