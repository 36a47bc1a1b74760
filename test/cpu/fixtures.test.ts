/**
 * Replays the hardware-recorded instruction fixtures on the software CPU.
 * Pending (reported as todo, never as a pass) until test/cpu/fixture-cpu.ts
 * provides the CPU.
 */
import { describe, expect, it } from 'vitest';
import { fixtureCpuFactory, fixtureCpuPending } from './fixture-cpu.js';
import { loadFixtures, replayFile } from './fixture-runner.js';

const SHOW = 25;

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
      const factory = fixtureCpuFactory;
      it(title, () => {
        const { ran, problems } = replayFile(factory, file, (c) => c.mode === mode);
        expect(ran).toBe(n);
        const summary = problems.length ? `${problems.length} mismatches:\n${problems.slice(0, SHOW).join('\n')}` : '';
        expect(summary).toBe('');
      });
    }
  }
});
