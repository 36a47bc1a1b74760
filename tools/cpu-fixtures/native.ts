/**
 * Runs snippets on the host CPU: builds the static runners in runner/ (nasm
 * and ld, no libc), streams fixed-size case records to one runner process
 * per batch, and decodes its results. The record layout mirrors
 * runner/layout.inc.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backgroundRegs, CODE_SIZE, fillWindow, type Gpr, GPRS, type Mode, WINDOWS, windowOf } from './layout.js';
import type { CaseSpec } from './spec.js';

const REC_SIZE = 640;
const REC_CODE_LEN = 0;
const REC_NPATCH = 4;
const REC_RSP = 8;
const REC_STAGE = 16;
const REC_PATCHES = 144;
const REC_CODE = 464;
const PATCH_SIZE = 80;
const PATCH_MAX = 4;
const PATCH_BYTES_MAX = 64;
const CODE_MAX = REC_SIZE - REC_CODE;
const OUT_FIXED = 144;
const HEADER_SIZE = 64;
const MAGIC = 0x58464958n;

/** Order of the staging block the runner pops (after RFLAGS). */
const POP64: Gpr[] = ['r15', 'r14', 'r13', 'r12', 'r11', 'r10', 'r9', 'r8', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rcx', 'rax'];
/** POPAD order; rsp's slot is skipped by the CPU. */
const POP32: Gpr[] = ['rdi', 'rsi', 'rbp', 'rsp', 'rbx', 'rdx', 'rcx', 'rax'];

export interface NativeResult {
  /** Exception vector, or undefined when the snippet ran to its end */
  exc?: number;
  regs: Record<Gpr, bigint>;
  rflags: bigint;
  /** Window qwords that changed: address -> new value */
  mem: Map<number, bigint>;
}

export interface RunnerHeader {
  lowWindow: boolean;
  selectors: Record<'cs' | 'ds' | 'es' | 'fs' | 'gs' | 'ss', number>;
}

const runnerDir = join(dirname(fileURLToPath(import.meta.url)), 'runner');
const sourceDir = runnerDir.replace(/[\\/]dist[\\/]tools[\\/]/, '/tools/');

let built: Record<Mode, string> | undefined;

/** Builds the three runners into a temporary folder (once per process). */
export function buildRunners(): Record<Mode, string> {
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'xenner-runner-'));
  // the 16-bit runner is the 32-bit one built with MODE16 (16-bit LDT segments)
  const make = (mode: Mode): string => {
    const src = join(sourceDir, `runner${mode === 64 ? 64 : 32}.asm`);
    const obj = join(out, `runner${mode}.o`);
    const exe = join(out, `runner${mode}`);
    const defines = mode === 16 ? ['-DMODE16'] : [];
    execFileSync('nasm', ['-f', mode === 64 ? 'elf64' : 'elf32', ...defines, '-I', sourceDir + '/', '-o', obj, src]);
    execFileSync('ld', [...(mode === 64 ? [] : ['-m', 'elf_i386']), '-o', exe, obj]);
    return exe;
  };
  built = { 64: make(64), 32: make(32), 16: make(16) };
  return built;
}

function encode(mode: Mode, spec: CaseSpec, code: Uint8Array, rec: DataView, at: number): void {
  if (code.length > CODE_MAX || code.length + 14 > CODE_SIZE) throw new Error(`${spec.name}: snippet too long (${code.length} bytes)`);
  if (spec.mem.length > PATCH_MAX) throw new Error(`${spec.name}: more than ${PATCH_MAX} memory patches`);
  const regs = { ...backgroundRegs(mode), ...spec.regs };
  rec.setUint32(at + REC_CODE_LEN, code.length, true);
  rec.setUint32(at + REC_NPATCH, spec.mem.length, true);
  rec.setBigUint64(at + REC_RSP, regs.rsp, true);
  if (mode === 64) {
    rec.setBigUint64(at + REC_STAGE, BigInt(spec.rflags), true);
    POP64.forEach((r, i) => rec.setBigUint64(at + REC_STAGE + 8 * (i + 1), regs[r], true));
  } else {
    rec.setUint32(at + REC_STAGE, spec.rflags, true);
    POP32.forEach((r, i) => rec.setUint32(at + REC_STAGE + 4 * (i + 1), Number(regs[r] & 0xffffffffn), true));
  }
  spec.mem.forEach((p, i) => {
    if (p.bytes.length > PATCH_BYTES_MAX) throw new Error(`${spec.name}: memory patch over ${PATCH_BYTES_MAX} bytes`);
    if (!windowOf(p.addr, p.bytes.length)) throw new Error(`${spec.name}: memory patch at 0x${p.addr.toString(16)} is outside the data windows`);
    const base = at + REC_PATCHES + PATCH_SIZE * i;
    rec.setBigUint64(base, BigInt(p.addr), true);
    rec.setUint32(base + 8, p.bytes.length, true);
    new Uint8Array(rec.buffer, rec.byteOffset + base + 16, p.bytes.length).set(p.bytes);
  });
  new Uint8Array(rec.buffer, rec.byteOffset + at + REC_CODE, code.length).set(code);
}

/** The runner input for a batch: the window image, then one record per case. */
export function encodeBatch(mode: Mode, specs: readonly CaseSpec[], codes: readonly Uint8Array[]): Buffer {
  const image = Buffer.concat(WINDOWS.map((w) => fillWindow(w)));
  const recs = Buffer.alloc(REC_SIZE * specs.length);
  const view = new DataView(recs.buffer, recs.byteOffset, recs.byteLength);
  specs.forEach((s, i) => encode(mode, s, codes[i]!, view, i * REC_SIZE));
  return Buffer.concat([image, recs]);
}

/** Runs one batch of cases of one mode in one runner process. */
export function runNative(mode: Mode, specs: readonly CaseSpec[], codes: readonly Uint8Array[]): { header: RunnerHeader; results: NativeResult[] } {
  const exe = buildRunners()[mode];
  const run = spawnSync(exe, [], { input: encodeBatch(mode, specs, codes), maxBuffer: 1 << 30, timeout: 120_000 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`runner${mode} failed: status ${run.status} signal ${run.signal}`);
  return decodeOutput(`runner${mode}`, mode, run.stdout, specs.length);
}

/** Decodes a runner's output (also the QEMU runner's, which speaks the same format). */
export function decodeOutput(who: string, mode: Mode, out: Buffer, cases: number): { header: RunnerHeader; results: NativeResult[] } {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (out.length < HEADER_SIZE || dv.getBigUint64(0, true) !== MAGIC) throw new Error(`${who}: bad header`);
  const sel = (i: number): number => Number(dv.getBigUint64(16 + 8 * i, true));
  const header: RunnerHeader = {
    lowWindow: dv.getBigUint64(8, true) === 1n,
    selectors: { cs: sel(0), ds: sel(1), es: sel(2), fs: sel(3), gs: sel(4), ss: sel(5) },
  };
  let p = HEADER_SIZE;
  const results: NativeResult[] = [];
  for (let i = 0; i < cases; i++) {
    if (p + OUT_FIXED + 8 > out.length) throw new Error(`${who}: output ends after ${i} of ${cases} cases`);
    const exc = dv.getBigUint64(p, true);
    const regs = {} as Record<Gpr, bigint>;
    let rflags: bigint;
    regs.rsp = dv.getBigUint64(p + 8, true);
    if (mode === 64) {
      // pushed rflags, rax, rcx, ..., r15: memory ascending is r15 .. rax, rflags
      const pushed = [...POP64];
      pushed.forEach((r, k) => (regs[r] = dv.getBigUint64(p + 16 + 8 * k, true)));
      rflags = dv.getBigUint64(p + 16 + 8 * 15, true);
    } else {
      POP32.forEach((r, k) => {
        if (r !== 'rsp') regs[r] = BigInt(dv.getUint32(p + 16 + 4 * k, true));
      });
      rflags = BigInt(dv.getUint32(p + 16 + 32, true));
      for (const r of GPRS.slice(8)) regs[r] = 0n;
    }
    const n = Number(dv.getBigUint64(p + OUT_FIXED, true));
    p += OUT_FIXED + 8;
    const mem = new Map<number, bigint>();
    for (let k = 0; k < n; k++, p += 16) mem.set(Number(dv.getBigUint64(p, true)), dv.getBigUint64(p + 8, true));
    results.push(exc === 0xffffffffffffffffn ? { regs, rflags, mem } : { exc: Number(exc), regs, rflags, mem });
  }
  if (p !== out.length) throw new Error(`${who}: ${out.length - p} unexpected bytes after the results`);
  return { header, results };
}

