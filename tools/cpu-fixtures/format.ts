/**
 * The fixture file format: one gzipped JSON document per instruction family
 * (test/cpu/fixtures/<family>.json.gz). Numbers that can exceed 2^53 are
 * hex strings without "0x"; byte strings are hex.
 *
 * A case's input is the background state of its mode (header.background)
 * with the registers in `in.regs` replacing those values, RFLAGS `in.rflags`,
 * every data window filled with the header's pattern, then `in.mem` written
 * on top. The snippet `code` is placed at header.layout.codeBase and runs until
 * RIP reaches codeBase + code.length (or it raises an exception). 16-bit
 * cases (mode 16) run with CS based at codeBase (IP from 0) and DS, ES, FS
 * and SS based at the MAIN window: real mode with header.selectors["16"].
 *
 * The output lists only what changed: registers whose final value differs
 * from their input, the raw final RFLAGS, and every window qword that
 * differs from its initial value (8-byte aligned). Comparisons mask the
 * flags in `undef` (flags the architecture leaves undefined for this case)
 * and skip the registers in `undefRegs`, and memory bits in `undefMem`; an
 * 80-bit value listed in `approx` matches when it is within 2^bits units in
 * the last place of the recorded one (x87 results the software CPU computes
 * in float64, see src/cpu/README.md "x87"). A case that faulted has `exc`
 * (the vector) and no `out`.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Gpr, Mode } from './layout.js';

export const FORMAT = 'xenner-cpu-fixtures/1';

export interface MemBytes {
  /** Guest address (below 1 MiB) */
  addr: number;
  /** Bytes, hex */
  hex: string;
}

export interface FixtureCase {
  /** Instruction form, e.g. "add r/m32, r32" */
  name: string;
  mode: Mode;
  /** NASM source of the snippet */
  asm: string;
  /** Snippet bytes, hex */
  code: string;
  in: { regs: Partial<Record<Gpr, string>>; rflags: string; mem?: MemBytes[] };
  out?: { regs: Partial<Record<Gpr, string>>; rflags: string; mem?: MemBytes[] };
  /** Exception vector raised by the snippet (0 #DE, 6 #UD, 13 #GP, ...) */
  exc?: number;
  /** RFLAGS bits the architecture leaves undefined here, hex */
  undef?: string;
  /** Registers whose final value the architecture leaves undefined here (host- or time-dependent ones, e.g. rdtsc, cpuid, are left out of `out`) */
  undefRegs?: Gpr[];
  /** Memory bits not compared: at `addr`, the 1 bits of `hex` (status-word bits float64 cannot reproduce, host-dependent state) */
  undefMem?: MemBytes[];
  /** 80-bit floats compared with a tolerance: within 2^bits units in the last place (64-bit significand) */
  approx?: { addr: number; bits: number }[];
}

export interface FixtureFile {
  format: typeof FORMAT;
  family: string;
  /**
   * What ran the snippets: the host CPU, or QEMU (TCG, real mode) for what a
   * user-mode helper cannot run; `host` still names the machine QEMU ran on.
   */
  recordedBy: 'host-cpu' | 'qemu-tcg';
  qemu?: string;
  /** What the fixtures were recorded on */
  host: { cpu: string; vendor: string; family: number; model: number; stepping: number; kernel: string; features: string[] };
  generator: string;
  layout: {
    codeBase: number;
    windows: { name: string; base: number; size: number }[];
    pattern: string;
  };
  /** Register values a case starts from unless its `in.regs` says otherwise */
  background: Record<string, Record<Gpr, string>>;
  /** Segment selectors the host's user mode ran with, per mode; for mode 16 the real-mode segment values */
  selectors: Record<string, Record<'cs' | 'ds' | 'es' | 'fs' | 'gs' | 'ss', number>>;
  cases: FixtureCase[];
}

export function hex64(v: bigint): string {
  return v.toString(16);
}

export function parseHex64(s: string): bigint {
  if (!/^[0-9a-f]{1,16}$/.test(s)) throw new Error(`bad hex value: ${JSON.stringify(s)}`);
  return BigInt('0x' + s);
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function hexToBytes(s: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(s)) throw new Error(`bad hex bytes: ${JSON.stringify(s.slice(0, 40))}`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function encodeFixtureFile(f: FixtureFile): Buffer {
  // One case a line keeps the uncompressed text readable (zcat | less).
  const { cases, ...header } = f;
  const head = JSON.stringify(header);
  const body = cases.map((c) => JSON.stringify(c)).join(',\n');
  const text = `${head.slice(0, -1)},\n"cases":[\n${body}\n]}\n`;
  return gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
}

export function decodeFixtureFile(gz: Uint8Array): FixtureFile {
  const f = JSON.parse(gunzipSync(gz).toString('utf8')) as FixtureFile;
  if (f.format !== FORMAT) throw new Error(`not a ${FORMAT} file: ${String(f.format)}`);
  if (!Array.isArray(f.cases)) throw new Error('fixture file has no cases');
  return f;
}
