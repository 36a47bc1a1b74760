import { describe, expect, it } from 'vitest';
import { qemuUnavailable, runUnderQemu } from '../helpers/qemu.js';
import { kernelPath, SYSTEM_KERNELS } from './manifest.js';

/**
 * Proves the system test kernels right: each must give its expected result
 * line on both consoles and its exit status under QEMU (TCG). No timing is
 * asserted; the timeout only bounds a hung kernel (QEMU has no instruction
 * budget that ends a run).
 */
const why = qemuUnavailable();

describe.skipIf(why !== undefined)(`system kernels under QEMU${why ? ` (skipped: ${why})` : ''}`, () => {
  for (const k of SYSTEM_KERNELS) {
    it(`${k.name}: ${k.checks}`, () => {
      const r = runUnderQemu(kernelPath(k), {
        ...(k.cmdline !== undefined ? { cmdline: k.cmdline } : {}),
        ...(k.input !== undefined ? { input: k.input } : {}),
      });
      expect(r.timedOut, `${k.name} hung under QEMU; debugcon so far:\n${r.debugcon}`).toBe(false);
      expect(r.debugcon.split('\n'), r.debugcon).toContain(k.resultLine);
      expect(r.serial.split('\n'), r.serial).toContain(k.resultLine);
      // Nothing else failed on the way (a FAIL line with a SUCCESS would be a lib bug).
      if (k.status === 1) expect(r.debugcon).not.toMatch(/^FAIL:/m);
      expect(r.serial).toBe(r.debugcon);
      expect(r.status, r.stderr).toBe(k.status);
    });
  }
});
