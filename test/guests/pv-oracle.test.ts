/**
 * Proves the PV test guests right: each pv64 guest must pass as dom0 of
 * real Xen (Debian's hypervisor under QEMU TCG). See test/helpers/xen-oracle.ts.
 */
import { describe, expect, it } from 'vitest';
import { runUnderXen, xenHypervisor } from '../helpers/xen-oracle.js';
import { PV_GUESTS, pvGuestPath } from './pv-guests.js';

const xen = xenHypervisor();

describe('PV test guests under real Xen (pv64, as dom0)', () => {
  for (const g of PV_GUESTS.filter((x) => x.dom0)) {
    it.skipIf(!xen.path)(`${g.name}-pv64 passes${xen.path ? '' : ` (skipped: ${xen.why})`}`, async () => {
      const r = await runUnderXen(pvGuestPath(g.name, 'pv64'));
      expect(r.console, r.serial).toContain('Test result: SUCCESS');
      expect(r.ending).toBe('poweroff');
    });
  }
});
