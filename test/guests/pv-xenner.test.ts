/**
 * Every PV test guest under `xenner run`, on both word sizes: exit status
 * 0, "Test result: SUCCESS", no FAIL line, and for guests that list console
 * lines, those lines in order on stdout. A hang ends by the instruction
 * budget (exit 10), not by a wall clock. Until the pv machine and emu's
 * image for a word size are in the build, those runs are skipped and say so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINES } from '../../src/machine/machines.js';
import { ROOT, xenner } from '../helpers/cli.js';
import { firstMissingInOrder, PV_GUESTS, pvGuestPath, type PvArch } from './pv-guests.js';

const MAX_INSTRUCTIONS = 2_000_000_000;

function notYet(arch: PvArch): string | undefined {
  if (MACHINES.pv === undefined) return 'the pv machine is not in this build yet';
  const emu = join(ROOT, 'src', 'emu', arch === 'pv64' ? 'emu64.bin' : 'emu32.bin');
  if (!existsSync(emu)) return `${emu.slice(ROOT.length + 1)} is not built yet`;
  return undefined;
}

describe.each(['pv64', 'pv32'] as const)('PV test guests under xenner run (%s)', (arch) => {
  const why = notYet(arch);
  for (const g of PV_GUESTS) {
    it.skipIf(why !== undefined)(`${g.name}-${arch}${why !== undefined ? ` (skipped: ${why})` : ''}`, () => {
      const r = xenner(['run', pvGuestPath(g.name, arch), '--max-instructions', String(MAX_INSTRUCTIONS)], { timeoutMs: 600_000 });
      const lines = r.stdout.split('\n');
      expect(lines.filter((l) => l.startsWith('FAIL: ')), r.stdout + r.stderr).toEqual([]);
      expect(lines, r.stdout + r.stderr).toContain('Test result: SUCCESS');
      expect(r.status, r.stderr).toBe(0);
      if (g.consoleLines !== undefined) expect(firstMissingInOrder(r.stdout, g.consoleLines), r.stdout).toBeUndefined();
    });
  }
});
