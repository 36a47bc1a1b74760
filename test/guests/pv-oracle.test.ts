/**
 * Proves the PV test guests right: each pv64 guest must pass as dom0 of
 * real Xen (Debian's hypervisor under QEMU TCG). See test/helpers/xen-oracle.ts.
 * A guest may fail only the checks listed as oracle deviations (where QEMU,
 * not Xen, differs from hardware), and then only those.
 */
import { describe, expect, it } from 'vitest';
import { runUnderXen, xenHypervisor } from '../helpers/xen-oracle.js';
import { PV_GUESTS, pvGuestPath } from './pv-guests.js';

const xen = xenHypervisor();

describe('PV test guests under real Xen (pv64, as dom0)', () => {
  for (const g of PV_GUESTS.filter((x) => x.dom0)) {
    it.skipIf(!xen.path)(`${g.name}-pv64 passes${xen.path ? '' : ` (skipped: ${xen.why})`}`, async () => {
      const r = await runUnderXen(pvGuestPath(g.name, 'pv64'));
      expect(r.ending, r.serial).toBe('poweroff');
      // A FAIL line is "FAIL: <what>" or "FAIL: <what> (got <value>)".
      const fails = r.console.filter((l) => l.startsWith('FAIL: ')).map((l) => l.slice(6).replace(/ \(got 0x[0-9a-f]+\)$/, ''));
      const allowed = (g.oracleDeviations ?? []).map((d) => d.fail);
      expect(fails.filter((f) => !allowed.includes(f)), r.serial).toEqual([]);
      const result = r.console.find((l) => l.startsWith('Test result: '));
      if (fails.length === 0) expect(result).toBe('Test result: SUCCESS');
      else expect(result).toBe(`Test result: FAILURE (${fails[0]})`);
    });
  }
  for (const g of PV_GUESTS.filter((x) => !x.dom0)) {
    it.skip(`${g.name}-pv64 (skipped: domU only: ${g.domUOnly ?? 'not meaningful as dom0'})`, () => {});
  }
});
