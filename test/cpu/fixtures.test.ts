/**
 * Replays the hardware-recorded instruction fixtures on the software CPU.
 * Pending (reported as todo, never as a pass) until test/cpu/fixture-cpu.ts
 * provides the CPU.
 */
import { describe, expect, it } from 'vitest';
import { parseHex64 } from '../../tools/cpu-fixtures/format.js';
import { fixtureCpuFactory, fixtureCpuPending } from './fixture-cpu.js';
import { type FixtureCase, loadFixtures, replayFile } from './fixture-runner.js';

const SHOW = Number(process.env.FIXTURE_SHOW ?? 25);

interface KnownQemuBug {
  family: string;
  mode: 16 | 32 | 64;
  reason: string;
  matches(c: FixtureCase): boolean;
}

/**
 * Cases of QEMU-recorded files (`recordedBy: qemu-tcg`) where TCG is known to
 * differ from the hardware (test/cpu/README.md, "QEMU"). The CPU follows the
 * hardware there, so these cases are reported as skipped with the reason,
 * never replayed against QEMU's answer.
 */
const KNOWN_QEMU_BUGS: readonly KnownQemuBug[] = [
  {
    family: 'ring0',
    mode: 64,
    reason:
      'a32 REP INS/OUTS with ECX = 0: TCG leaves the upper half of RCX; the hardware zero-extends ECX for every a32 REP string instruction (recorded natively for MOVS/LODS/STOS/CMPS/SCAS), and the CPU does so for INS/OUTS too',
    matches: (c) => /^a32 rep (ins|outs)/.test(c.name) && (parseHex64(c.in.regs.rcx ?? '0') & 0xffffffffn) === 0n,
  },
];

describe('instruction semantics match the hardware fixtures', () => {
  for (const { file } of loadFixtures()) {
    for (const mode of [64, 32, 16] as const) {
      const n = file.cases.filter((c) => c.mode === mode).length;
      if (n === 0) continue;
      const title = `${file.family}, ${mode}-bit (${n} cases${file.recordedBy === 'qemu-tcg' ? ', recorded under QEMU' : ''})`;
      if (!fixtureCpuFactory) {
        it.todo(`${title}: pending, ${fixtureCpuPending}`);
        continue;
      }
      const bugs = file.recordedBy === 'qemu-tcg' ? KNOWN_QEMU_BUGS.filter((b) => b.family === file.family && b.mode === mode) : [];
      const isQemuBug = (c: FixtureCase): boolean => bugs.some((b) => b.matches(c));
      for (const b of bugs) {
        const count = file.cases.filter((c) => c.mode === mode && b.matches(c)).length;
        it.skip(`${file.family}, ${mode}-bit: ${count} cases not replayed, known QEMU bug: ${b.reason}`, () => {});
      }
      const factory = fixtureCpuFactory;
      const replayed = file.cases.filter((c) => c.mode === mode && !isQemuBug(c)).length;
      it(title, () => {
        const { ran, problems } = replayFile(factory, file, (c) => c.mode === mode && !isQemuBug(c));
        expect(ran).toBe(replayed);
        const summary = problems.length ? `${problems.length} mismatches:\n${problems.slice(0, SHOW).join('\n')}` : '';
        expect(summary).toBe('');
      });
    }
  }
});
