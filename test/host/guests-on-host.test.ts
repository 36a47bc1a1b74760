/**
 * The guests that talk to host services (console, xenstore, grants) run
 * against the real host services, with a TypeScript stand-in for emu
 * (test/helpers/pv-shim.ts), on both word sizes. This proves the guests and
 * the host against each other now; the end-to-end runs under emu
 * (`xenner run`) prove emu's part too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatXenstoreTree } from '../../src/host/xenstore/dump.js';
import { firstMissingInOrder, PV_GUESTS, pvGuestPath, type PvArch } from '../guests/pv-guests.js';
import { runOnShim, type ShimOptions, type ShimResult } from '../helpers/pv-shim.js';

function run(name: string, arch: PvArch, opts: ShimOptions = {}): ShimResult {
  const file = pvGuestPath(name, arch);
  return runOnShim(readFileSync(file), file, opts);
}

function expectSuccess(r: ShimResult): void {
  expect(r.unserved, 'hypercalls the shim does not serve').toEqual([]);
  expect(r.console.split('\n').filter((l) => l.startsWith('FAIL: ')), r.console).toEqual([]);
  expect(r.console).toContain('Test result: SUCCESS\n');
  expect(r.end?.description).toBe('poweroff');
  expect(r.exitStatus).toBe(0);
}

describe.each(['pv64', 'pv32'] as const)('host-service guests against the host (%s)', (arch) => {
  it('console: ring and console_io output reach the console in the order written', () => {
    const r = run('console', arch);
    expectSuccess(r);
    const lines = PV_GUESTS.find((g) => g.name === 'console')!.consoleLines!;
    expect(firstMissingInOrder(r.console, lines), r.console).toBeUndefined();
    expect(r.domain.console.bytesOut).toBeGreaterThan(2048); // the ring wrapped
  });

  it('console-input: a line typed on the console reaches the input ring', () => {
    const g = PV_GUESTS.find((x) => x.name === 'console-input')!;
    const r = run('console-input', arch, { input: g.input! });
    expectSuccess(r);
    expect(firstMissingInOrder(r.console, g.consoleLines!), r.console).toBeUndefined();
  });

  it('xenstore: the xs_wire client gets the answers xenstored gives', () => {
    const r = run('xenstore', arch);
    expectSuccess(r);
    expect(r.domain.store.requests).toBeGreaterThanOrEqual(30);
    // The guest cleaned up after itself; the store's tree is intact.
    expect(formatXenstoreTree(r.domain.xenstore)).not.toContain(' xt = ');
    expect(r.domain.xenstore.hostRead(`/local/domain/${r.domain.domid}/name`)).toBe(r.domain.name);
  });

  it('grants: setup, versions, a grant to domain 0 and the errors for bad arguments', () => {
    const r = run('grants', arch);
    expectSuccess(r);
    expect(r.domain.grants.frames).toBe(1);
    expect(r.domain.grants.activeMappings).toBe(0);
  });
});

describe.each(['pv64', 'pv32'] as const)('host-service guests with backends that answer later, as daemons do (%s)', (arch) => {
  it.each(['console', 'xenstore'])('%s waits for its backend (yield, SCHEDOP_poll) and passes', (name) => {
    const r = run(name, arch, { asyncBackends: true });
    expectSuccess(r);
    const lines = PV_GUESTS.find((g) => g.name === name)!.consoleLines;
    if (lines !== undefined) expect(firstMissingInOrder(r.console, lines), r.console).toBeUndefined();
  });
});

describe('firstMissingInOrder', () => {
  it('finds lines in order with others between, and names the first missing or out of order', () => {
    expect(firstMissingInOrder('a\nx\nb\nc\n', ['a', 'b', 'c'])).toBeUndefined();
    expect(firstMissingInOrder('a\nc\nb\n', ['a', 'b', 'c'])).toBe('c');
    expect(firstMissingInOrder('a\n', ['a', 'b'])).toBe('b');
  });
});
