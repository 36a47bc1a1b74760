/**
 * Checks the fixtures and the replay harness without the software CPU:
 * every file parses and is complete, every snippet decodes to exactly its
 * bytes, the fixtures agree with the generator, and a small reference model
 * reproduces the register-form arithmetic cases (so flags, masks and the
 * comparison logic are consistent) while a broken model is caught.
 */
import { Code, Decoder, DecoderOptions, Mnemonic } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../tools/cpu-fixtures/families/index.js';
import { type FixtureCase, hexToBytes, parseHex64 } from '../../tools/cpu-fixtures/format.js';
import { familySpecs } from '../../tools/cpu-fixtures/generate.js';
import { gprsOf, type Mode, STATUS_FLAGS, windowOf } from '../../tools/cpu-fixtures/layout.js';
import { type FixtureRunOutcome, loadFixtures, replayFile } from './fixture-runner.js';
import { modelSupports, ReferenceModel } from './reference-model.js';

const fixtures = loadFixtures();

/** What is wrong with a case's shape (empty when nothing is). */
function caseProblems(c: FixtureCase): string[] {
  const where = `${c.mode}-bit ${c.name}: ${c.asm}`;
  const out: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) out.push(`${where}: ${what}`);
  };
  const hexOk = (v: string | undefined): boolean => v !== undefined && /^[0-9a-f]{1,16}$/.test(v);
  check([16, 32, 64].includes(c.mode), 'mode');
  check(/^([0-9a-f]{2})+$/.test(c.code), 'code');
  const allowed: readonly string[] = gprsOf(c.mode);
  for (const [g, v] of Object.entries(c.in.regs)) check(allowed.includes(g) && hexOk(v), `input ${g}`);
  check(hexOk(c.in.rflags), 'input rflags');
  for (const m of c.in.mem ?? []) check(/^([0-9a-f]{2})+$/.test(m.hex) && windowOf(m.addr, m.hex.length / 2) !== undefined, `input memory at ${m.addr}`);
  check((c.exc === undefined) !== (c.out === undefined), 'exactly one of exc/out');
  // #PF would mean the snippet left the data windows: the generator refuses those
  check(c.exc !== 14, 'page fault');
  if (c.out) {
    for (const [g, v] of Object.entries(c.out.regs)) check(allowed.includes(g) && hexOk(v), `output ${g}`);
    check(hexOk(c.out.rflags), 'output rflags');
    for (const m of c.out.mem ?? []) check(m.addr % 8 === 0 && /^[0-9a-f]{16}$/.test(m.hex) && windowOf(m.addr, 8) !== undefined, `output memory at ${m.addr}`);
  }
  if (c.undef) check(hexOk(c.undef) && (parseHex64(c.undef) & ~BigInt(STATUS_FLAGS)) === 0n, 'undefined-flag mask');
  for (const g of c.undefRegs ?? []) check(allowed.includes(g), `undefined register ${g}`);
  return out;
}
const byFamily = new Map(fixtures.map((f) => [f.file.family, f.file]));

describe('fixture files', () => {
  it('exist for every generator family, and only for those', () => {
    expect([...byFamily.keys()].sort()).toEqual(FAMILIES.map((f) => f.name).sort());
  });

  for (const { file } of fixtures) {
    it(`${file.family}: records the host CPU and is well formed`, () => {
      expect(file.host.cpu.length).toBeGreaterThan(0);
      expect(file.host.vendor).toMatch(/GenuineIntel|AuthenticAMD/);
      expect(file.cases.length).toBeGreaterThan(0);
      const bad: string[] = [];
      for (const c of file.cases) bad.push(...caseProblems(c));
      expect(bad.slice(0, 20)).toEqual([]);
    });

    it(`${file.family}: every snippet decodes to exactly its bytes (iced-x86)`, () => {
      const bad: string[] = [];
      for (const c of file.cases) {
        const code = hexToBytes(c.code);
        const d = new Decoder(c.mode, code, DecoderOptions.None);
        let used = 0;
        let invalid = false;
        while (d.canDecode) {
          const i = d.decode();
          used += i.length;
          if (i.code === Code.INVALID) invalid = true;
          i.free();
        }
        d.free();
        if (used !== code.length) bad.push(`${c.mode}-bit ${c.asm}: decodes to ${used} of ${code.length} bytes`);
        // an undecodable snippet must be one the hardware refused
        if (invalid && c.exc !== 6) bad.push(`${c.mode}-bit ${c.asm}: invalid encoding but the hardware ran it`);
      }
      expect(bad.slice(0, 20)).toEqual([]);
    });
  }

  it('are what the generator produces now (else run `npm run fixtures:cpu`)', () => {
    for (const family of FAMILIES) {
      const file = byFamily.get(family.name);
      if (!file) continue;
      const features = new Set(file.host.features);
      for (const mode of [64, 32, 16] as const) {
        const want = familySpecs(family, mode, features).map((s) => `${s.name} | ${s.asm}`);
        const have = file.cases.filter((c) => c.mode === mode).map((c) => `${c.name} | ${c.asm}`);
        expect(have.length, `${family.name} ${mode}-bit case count`).toBe(want.length);
        expect(have, `${family.name} ${mode}-bit`).toEqual(want);
      }
    }
  });
});

describe('replay harness against a reference model', () => {
  const supported = (mode: Mode, code: string): boolean => modelSupports(mode, hexToBytes(code));
  const modelled = ['alu', 'unary', 'shift', 'muldiv', 'bits', 'cond', 'bcd'].map((n) => byFamily.get(n)!);

  // A flag the manuals define must come out of the model exactly as the hardware
  // recorded it: a mismatch is a wrong mask (or a wrong model), never noise.
  for (const file of modelled) {
    it(`${file.family}: the fixtures agree with the manuals' definitions outside the masks (register forms)`, () => {
      const r = replayFile(({ mode }) => new ReferenceModel(mode), file, (c) => supported(c.mode, c.code));
      expect(r.problems.slice(0, 20)).toEqual([]);
      expect(r.ran).toBeGreaterThan(file.cases.length / 3);
    });
  }

  it('reports a wrong flag', () => {
    const r = replayFile(({ mode }) => new ReferenceModel(mode, { breakAfAfter: Mnemonic.Add }), byFamily.get('alu')!, (c) => supported(c.mode, c.code));
    expect(r.problems.length).toBeGreaterThan(100);
    expect(r.problems[0]).toMatch(/rflags = 0x[0-9a-f]+, hardware 0x[0-9a-f]+/);
  });

  it('masks a flag the architecture leaves undefined (AF after logic ops)', () => {
    const r = replayFile(({ mode }) => new ReferenceModel(mode, { breakAfAfter: Mnemonic.And }), byFamily.get('alu')!, (c) => supported(c.mode, c.code));
    expect(r.problems).toEqual([]);
  });

  it('reports a wrong register and a wrong memory byte', () => {
    class DoesNothing extends ReferenceModel {
      override run(): FixtureRunOutcome {
        return { kind: 'done' };
      }
    }
    const file = byFamily.get('alu')!;
    const writesReg = file.cases.find((x) => x.mode === 64 && x.out && Object.keys(x.out.regs).length > 0)!;
    const writesMem = file.cases.find((x) => x.mode === 64 && x.out?.mem?.some((m) => !(x.in.mem ?? []).some((i) => i.addr === m.addr && i.hex === m.hex.slice(0, i.hex.length))))!;
    const r = replayFile(({ mode }) => new DoesNothing(mode), { ...file, cases: [writesReg, writesMem] });
    expect(r.problems.join('\n')).toMatch(/: r[a-z0-9]+ = 0x[0-9a-f]+, hardware 0x/);
    expect(r.problems.join('\n')).toMatch(/memory at 0x[0-9a-f]+ = 0x[0-9a-f]+, hardware/);
  });
});
