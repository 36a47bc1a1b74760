/**
 * Replays hardware-recorded instruction fixtures (test/cpu/fixtures/*.json.gz,
 * written by `npm run fixtures:cpu`) on any CPU that implements the small
 * FixtureCpu interface below. See test/cpu/README.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFixtureFile, type FixtureCase, type FixtureFile, hexToBytes, parseHex64 } from '../../tools/cpu-fixtures/format.js';
import { codeBase, type Gpr, GPRS, type Mode, patternByte, PATTERN_NAME } from '../../tools/cpu-fixtures/layout.js';

export type { FixtureCase, FixtureFile, Gpr, Mode };

/** How a run ended. */
export type FixtureRunOutcome =
  | { kind: 'done' }
  /** The snippet raised an exception (vector 0-31) that it did not handle. */
  | { kind: 'exception'; vector: number }
  /** Neither the end address nor an exception within the instruction budget. */
  | { kind: 'stuck'; rip: bigint };

/**
 * What the replay needs from a CPU. One instance per mode is reused for
 * every case; the harness rewrites all state it depends on before each case.
 *
 * Memory addresses are linear addresses, all below 1 MiB. The CPU runs
 * flat, user-level code as Linux runs it: 64-bit mode (long mode, CS.L=1),
 * or 32-bit protected mode with flat 4 GiB segments, CPL 3, IOPL 0 (an
 * identity mapping, or no paging in 32-bit mode, is fine); or, for mode 16,
 * real mode with the segment registers given in FixtureCpuOptions.selectors.
 * Port I/O (16-bit real-mode cases only) goes to ports with no device:
 * reads return all ones, writes are dropped.
 */
export interface FixtureCpu {
  /** Write guest memory (snippet bytes, data windows) at a linear address. */
  writeMemory(addr: number, bytes: Uint8Array): void;
  readMemory(addr: number, length: number): Uint8Array;
  /** GPR by encoding number (0 rax ... 15 r15); 32-bit mode uses 0-7 only. */
  setGpr(index: number, value: bigint): void;
  getGpr(index: number): bigint;
  setRflags(value: bigint): void;
  getRflags(): bigint;
  /** Run from instruction pointer `start` (RIP/EIP/IP) until it equals `end`, an exception, or `maxInstructions`. */
  run(start: bigint, end: bigint, maxInstructions: number): FixtureRunOutcome;
}

export interface FixtureCpuOptions {
  mode: Mode;
  /** Mode 16 runs in real mode; 32/64 in protected/long mode at `cpl`. */
  realMode: boolean;
  /** Privilege level: the RPL of selectors.cs in 32/64-bit mode (3 for host-CPU files, 0 for QEMU's ring0), 0 in real mode. */
  cpl: number;
  /** Segment selectors the fixtures were recorded with (Linux user mode); for mode 16 the real-mode segment values. */
  selectors: Record<'cs' | 'ds' | 'es' | 'fs' | 'gs' | 'ss', number>;
}

export type FixtureCpuFactory = (options: FixtureCpuOptions) => FixtureCpu;

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface LoadedFixtures {
  path: string;
  file: FixtureFile;
}

export function loadFixtures(dir = FIXTURE_DIR): LoadedFixtures[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json.gz'))
    .sort()
    .map((n) => ({ path: join(dir, n), file: decodeFixtureFile(readFileSync(join(dir, n))) }));
}

const MAX_INSTRUCTIONS = 100_000;

function windowImages(file: FixtureFile): Map<string, Uint8Array> {
  if (file.layout.pattern !== PATTERN_NAME) throw new Error(`${file.family}: unknown fill pattern ${file.layout.pattern}`);
  const m = new Map<string, Uint8Array>();
  for (const w of file.layout.windows) {
    const b = new Uint8Array(w.size);
    for (let i = 0; i < w.size; i++) b[i] = patternByte(w.base + i);
    m.set(w.name, b);
  }
  return m;
}

/** The full-width register values a case starts with. */
export function startRegs(file: FixtureFile, c: FixtureCase): Record<Gpr, bigint> {
  const bg = file.background[String(c.mode)];
  if (!bg) throw new Error(`${file.family}: no background registers for ${c.mode}-bit mode`);
  const regs = {} as Record<Gpr, bigint>;
  for (const g of GPRS) regs[g] = parseHex64(c.in.regs[g] ?? bg[g] ?? '0');
  return regs;
}

/** Expected window contents after the case: the pattern with the recorded qwords. */
function expectedWindows(file: FixtureFile, c: FixtureCase, images: Map<string, Uint8Array>): { base: number; bytes: Uint8Array }[] {
  return file.layout.windows.map((w) => {
    const bytes = images.get(w.name)!.slice();
    for (const m of c.out?.mem ?? []) {
      if (m.addr >= w.base && m.addr + 8 <= w.base + w.size) bytes.set(hexToBytes(m.hex), m.addr - w.base);
    }
    return { base: w.base, bytes };
  });
}

const hex = (v: bigint): string => '0x' + v.toString(16);

/**
 * Replays one case; returns what differs from the hardware (empty when the
 * CPU matched), each line naming the case.
 */
export function replayCase(cpu: FixtureCpu, file: FixtureFile, c: FixtureCase, images = windowImages(file)): string[] {
  const label = `${c.mode}-bit ${c.name}: ${c.asm.replace(/\n/g, '; ')}`;
  for (const w of file.layout.windows) {
    const img = images.get(w.name)!.slice();
    for (const m of c.in.mem ?? []) {
      if (m.addr >= w.base && m.addr < w.base + w.size) img.set(hexToBytes(m.hex), m.addr - w.base);
    }
    cpu.writeMemory(w.base, img);
  }
  const code = hexToBytes(c.code);
  cpu.writeMemory(file.layout.codeBase, code);
  const regs = startRegs(file, c);
  const count = c.mode === 64 ? 16 : 8;
  for (let i = 0; i < count; i++) cpu.setGpr(i, regs[GPRS[i]!]);
  cpu.setRflags(parseHex64(c.in.rflags));
  const start = BigInt(codeBase(c.mode));
  const outcome = cpu.run(start, start + BigInt(code.length), MAX_INSTRUCTIONS);

  if (c.exc !== undefined) {
    if (outcome.kind === 'exception' && outcome.vector === c.exc) return [];
    return [`${label}: expected exception ${c.exc}, got ${describe(outcome)}`];
  }
  if (outcome.kind !== 'done') return [`${label}: expected to complete, got ${describe(outcome)}`];
  const out = c.out!;
  const problems: string[] = [];
  const width = c.mode === 64 ? (1n << 64n) - 1n : 0xffffffffn;
  for (let i = 0; i < count; i++) {
    const g = GPRS[i]!;
    if (c.undefRegs?.includes(g)) continue;
    const want = out.regs[g] !== undefined ? parseHex64(out.regs[g]!) : regs[g];
    const got = cpu.getGpr(i) & width;
    if (got !== want) problems.push(`${label}: ${g} = ${hex(got)}, hardware ${hex(want)}`);
  }
  const undef = c.undef ? parseHex64(c.undef) : 0n;
  const wantFlags = parseHex64(out.rflags);
  const gotFlags = cpu.getRflags();
  if ((gotFlags ^ wantFlags) & ~undef) {
    problems.push(`${label}: rflags = ${hex(gotFlags)}, hardware ${hex(wantFlags)} (undefined mask ${hex(undef)}, differing ${hex((gotFlags ^ wantFlags) & ~undef)})`);
  }
  const ignore = ignoredBits(c);
  for (const w of expectedWindows(file, c, images)) {
    const got = cpu.readMemory(w.base, w.bytes.length);
    for (const a of c.approx ?? []) {
      const at = a.addr - w.base;
      if (at < 0 || at + 10 > w.bytes.length) continue;
      const d = f80Distance(got.subarray(at, at + 10), w.bytes.subarray(at, at + 10));
      if (d > 2n ** BigInt(a.bits)) problems.push(`${label}: 80-bit value at ${hex(BigInt(a.addr))} = ${f80Hex(got, at)}, hardware ${f80Hex(w.bytes, at)} (${d} ulps apart, tolerance 2^${a.bits})`);
      for (let k = 0; k < 10; k++) ignore.set(a.addr + k, 0xff);
    }
    for (let i = 0; i < w.bytes.length; i++) {
      const m = ~(ignore.get(w.base + i) ?? 0) & 0xff;
      if ((got[i]! & m) !== (w.bytes[i]! & m)) {
        problems.push(`${label}: memory at ${hex(BigInt(w.base + i))} = ${hex(BigInt(got[i]!))}, hardware ${hex(BigInt(w.bytes[i]!))}`);
        break;
      }
    }
  }
  return problems;
}

/** Bits of memory a case does not compare (undefMem), by address. */
function ignoredBits(c: FixtureCase): Map<number, number> {
  const m = new Map<number, number>();
  for (const u of c.undefMem ?? []) hexToBytes(u.hex).forEach((b, k) => m.set(u.addr + k, (m.get(u.addr + k) ?? 0) | b));
  return m;
}

/**
 * An 80-bit float as a position on the line of representable values
 * (exponent * 2^63 + the fraction without the explicit integer bit, negated
 * for negative values), so neighbours are 1 apart across binade boundaries.
 */
function f80Ordinal(b: Uint8Array): bigint {
  let frac = 0n;
  for (let k = 7; k >= 0; k--) frac = (frac << 8n) | BigInt(b[k]!);
  const e = BigInt(((b[9]! & 0x7f) << 8) | b[8]!);
  const mag = (e << 63n) | (frac & ((1n << 63n) - 1n));
  return (b[9]! & 0x80) !== 0 ? -mag : mag;
}

function f80Distance(a: Uint8Array, b: Uint8Array): bigint {
  const d = f80Ordinal(a) - f80Ordinal(b);
  return d < 0n ? -d : d;
}

function f80Hex(b: Uint8Array, at: number): string {
  return Array.from(b.subarray(at, at + 10)).reverse().map((x) => x.toString(16).padStart(2, '0')).join('');
}

function describe(o: FixtureRunOutcome): string {
  if (o.kind === 'done') return 'completion';
  if (o.kind === 'exception') return `exception ${o.vector}`;
  return `no completion (stuck at ${hex(o.rip)})`;
}

/** Replays every case of a file whose mode the factory supports; returns the mismatches. */
export function replayFile(factory: FixtureCpuFactory, file: FixtureFile, filter: (c: FixtureCase) => boolean = () => true): { ran: number; problems: string[] } {
  const images = windowImages(file);
  const cpus = new Map<Mode, FixtureCpu>();
  const problems: string[] = [];
  let ran = 0;
  for (const c of file.cases) {
    if (!filter(c)) continue;
    let cpu = cpus.get(c.mode);
    if (!cpu) {
      const selectors = file.selectors[String(c.mode)];
      if (!selectors) throw new Error(`${file.family}: no selectors for ${c.mode}-bit mode`);
      cpu = factory({ mode: c.mode, realMode: c.mode === 16, cpl: c.mode === 16 ? 0 : selectors.cs & 3, selectors });
      cpus.set(c.mode, cpu);
    }
    problems.push(...replayCase(cpu, file, c, images));
    ran++;
  }
  return { ran, problems };
}
