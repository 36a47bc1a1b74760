/**
 * emu64's page-type bookkeeping stays exact through the guests that
 * exercise it hardest: after each run, every frame's reference count is
 * what the page tables in memory imply (test/helpers/page-type-audit.ts).
 */
import { describe, expect, it } from 'vitest';
import { runPvGuest } from '../../bench/pv-guests.js';
import { auditPageTypes } from '../helpers/page-type-audit.js';

describe('emu64 page types match the page tables after a run', () => {
  for (const name of ['memory', 'usermode', 'descriptors', 'traps', 'hello']) {
    it(`${name}-pv64`, async () => {
      const r = await runPvGuest(name, 'pv64');
      expect(r.status).toBe(0);
      expect(auditPageTypes(r.domain)).toEqual([]);
    });
  }
});
