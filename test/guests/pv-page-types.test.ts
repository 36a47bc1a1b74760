/**
 * emu64's page-type bookkeeping stays exact through the guests that
 * exercise it hardest: after each run, every frame's reference count is
 * what the page tables in memory imply (test/helpers/page-type-audit.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Domain } from '../../src/host/domain/domain.js';
import { createLogger } from '../../src/log/logger.js';
import { pvMachine } from '../../src/machine/pv/machine.js';
import { auditPageTypes } from '../helpers/page-type-audit.js';
import { pvGuestPath } from './pv-guests.js';

async function runAndAudit(name: string): Promise<ReturnType<typeof auditPageTypes>> {
  let domain: Domain | undefined;
  const file = pvGuestPath(name, 'pv64');
  const r = await pvMachine({ onDomain: (d) => (domain = d) })({
    file,
    image: new Uint8Array(readFileSync(file)),
    kind: 'xen-pv',
    memoryMiB: 64,
    cmdline: '',
    vcpus: 1,
    maxInstructions: 100_000_000,
    cpuProfile: 'intel',
    logger: createLogger({ level: 'silent', pretty: false }),
    consoleOut: () => {},
  });
  expect(r.status).toBe(0);
  return auditPageTypes(domain!);
}

describe('emu64 page types match the page tables after a run', () => {
  for (const name of ['memory', 'usermode', 'descriptors', 'traps', 'hello']) {
    it(`${name}-pv64`, async () => {
      expect(await runAndAudit(name)).toEqual([]);
    });
  }
});
