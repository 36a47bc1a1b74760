/**
 * Turns a family's case specs into fixture cases: assembles the snippets,
 * runs them on the host CPU in one runner process per mode, and records the
 * input state and what changed.
 */
import { assembleSnippets } from './assemble.js';
import { bytesToHex, type FixtureCase, type FixtureFile, FORMAT, hex64 } from './format.js';
import type { HostCpu } from './host.js';
import { backgroundRegs, CODE_BASE, type Gpr, gprsOf, LOW, type Mode, MODES, PATTERN_NAME, REAL_MODE_SEGMENTS, WINDOWS, windowOf } from './layout.js';
import { type NativeResult, type RunnerHeader, runNative } from './native.js';
import { type QemuMode, qemuVersion, runQemu } from './qemu.js';
import type { CaseSpec } from './spec.js';
import type { Family } from './families/common.js';
import { Rng } from './values.js';

export const GENERATOR = 'tools/cpu-fixtures (npm run fixtures:cpu)';
/** Seed of every family's random operands: fixed, so regeneration is reproducible. */
export const SEED = 0x7e4e2;

/** The specs a family generates in a mode (what the fixture file must hold, before the run). */
export function familySpecs(family: Family, mode: Mode, features: ReadonlySet<string>, seed = SEED): CaseSpec[] {
  return family.generate({ mode, rng: new Rng(seed ^ (mode * 0x9e37)), features });
}

/** Cases that address the LOW window (patched there, or named with LOW by their family). */
function needsLowWindow(s: CaseSpec): boolean {
  return s.mem.some((m) => windowOf(m.addr, m.bytes.length) === LOW) || /\bLOW\b/.test(s.name);
}

function qwordHex(v: bigint): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return bytesToHex(b);
}

function toCase(mode: Mode, spec: CaseSpec, code: Uint8Array, r: NativeResult): FixtureCase {
  const bg = backgroundRegs(mode);
  const start = { ...bg, ...spec.regs };
  const inRegs: Partial<Record<Gpr, string>> = {};
  for (const g of gprsOf(mode)) if (start[g] !== bg[g]) inRegs[g] = hex64(start[g]);
  const c: FixtureCase = {
    name: spec.name,
    mode,
    asm: spec.asm,
    code: bytesToHex(code),
    in: { regs: inRegs, rflags: spec.rflags.toString(16) },
  };
  if (spec.mem.length) c.in.mem = spec.mem.map((m) => ({ addr: m.addr, hex: bytesToHex(m.bytes) }));
  if (r.exc !== undefined) {
    c.exc = r.exc;
  } else {
    const outRegs: Partial<Record<Gpr, string>> = {};
    for (const g of gprsOf(mode)) {
      if (spec.volatile && spec.undefRegs.includes(g)) continue;
      if (r.regs[g] !== start[g]) outRegs[g] = hex64(r.regs[g]);
    }
    c.out = { regs: outRegs, rflags: r.rflags.toString(16) };
    if (r.mem.size) c.out.mem = [...r.mem].map(([addr, v]) => ({ addr, hex: qwordHex(v) }));
  }
  if (spec.undef) c.undef = spec.undef.toString(16);
  if (spec.undefRegs.length) c.undefRegs = [...spec.undefRegs];
  if (spec.undefMem?.length) c.undefMem = spec.undefMem.map((m) => ({ addr: m.addr, hex: bytesToHex(m.bytes) }));
  if (spec.approx?.length) c.approx = spec.approx.map((a) => ({ ...a }));
  return c;
}

/** The mode a QEMU-recorded family runs in (its generator returns nothing for the others). */
function qemuMode(family: Family, mode: Mode): QemuMode {
  const ok = family.reference === 'qemu-real-mode' ? mode === 16 : mode !== 16;
  if (!ok) throw new Error(`${family.name}: ${mode}-bit cases cannot run under QEMU (${family.reference})`);
  return mode;
}

export interface FamilyResult {
  file: FixtureFile;
  /** Cases per mode and operand-size label */
  counts: Record<Mode, number>;
  skipped: string[];
}

export function generateFamily(family: Family, host: HostCpu, seed: number): FamilyResult {
  const cases: FixtureCase[] = [];
  const background: FixtureFile['background'] = {};
  const selectors: FixtureFile['selectors'] = {};
  const counts = { 64: 0, 32: 0, 16: 0 } as Record<Mode, number>;
  const skipped: string[] = [];
  for (const mode of MODES) {
    let specs = familySpecs(family, mode, new Set(host.info.features), seed);
    const bg = backgroundRegs(mode);
    background[String(mode)] = Object.fromEntries(gprsOf(mode).map((g) => [g, hex64(bg[g])])) as Record<Gpr, string>;
    if (specs.length === 0) continue;
    const codes = assembleSnippets(mode, specs.map((s) => s.asm));
    let header: RunnerHeader;
    let results: NativeResult[];
    ({ header, results } = family.reference ? runQemu(qemuMode(family, mode), specs, codes) : runNative(mode, specs, codes));
    if (!header.lowWindow) {
      // vm.mmap_min_addr forbids the low window: drop the cases that need it
      const keep = specs.map((s) => !needsLowWindow(s));
      for (const s of specs.filter((_, i) => !keep[i])) skipped.push(`${mode}-bit ${s.name}: low window unavailable (vm.mmap_min_addr)`);
      specs = specs.filter((_, i) => keep[i]);
      const kept = codes.filter((_, i) => keep[i]);
      results = results.filter((_, i) => keep[i]);
      codes.splice(0, codes.length, ...kept);
    }
    // 16-bit cases ran in LDT segments with the bases real mode gives these values
    // a page fault means the snippet left the data windows: a generator bug, not a fixture
    const strays = specs.filter((_, i) => results[i]!.exc === 14).map((s) => `${mode}-bit ${s.name}: ${s.asm.replace(/\n/g, '; ')}`);
    if (strays.length) throw new Error(`${family.name}: snippets touched memory outside the data windows:\n  ${strays.slice(0, 10).join('\n  ')}`);
    selectors[String(mode)] = mode === 16 ? { ...REAL_MODE_SEGMENTS } : header.selectors;
    specs.forEach((s, i) => cases.push(toCase(mode, s, codes[i]!, results[i]!)));
    counts[mode] = specs.length;
  }
  const file: FixtureFile = {
    format: FORMAT,
    family: family.name,
    recordedBy: family.reference ? 'qemu-tcg' : 'host-cpu',
    ...(family.reference ? { qemu: qemuVersion() } : {}),
    host: host.info,
    generator: GENERATOR,
    layout: { codeBase: CODE_BASE, windows: WINDOWS.map((w) => ({ ...w })), pattern: PATTERN_NAME },
    background,
    selectors,
    cases,
  };
  return { file, counts, skipped };
}
