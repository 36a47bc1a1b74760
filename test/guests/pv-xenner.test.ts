/**
 * The PV test guests under xenner: each boots with `xenner run` on the pv
 * machine (emu on our CPU), 64-bit and 32-bit PAE, and must report success
 * and power off. These are the same binaries real Xen passes
 * (pv-oracle.test.ts, pv64), so together the two tests say xenner behaves
 * as Xen does for everything the guests check.
 *
 * The host-exit test runs each guest in-process and checks emu's promise:
 * the hypercalls it serves itself never reach the host.
 */
import { describe, expect, it } from 'vitest';
import { Hypercall } from '../../src/abi/xen/hypercalls.js';
import { EmuOp } from '../../src/abi/emu-port.js';
import { EvtchnOp } from '../../src/abi/xen/event-channel.js';
import { runPvGuest } from '../../bench/pv-guests.js';
import { xenner } from '../helpers/cli.js';
import { firstMissingInOrder, PV_GUESTS, pvGuestPath, type PvArch, type PvGuest } from './pv-guests.js';

/** Far above what any guest needs: a hang ends with status 10, not a timeout. */
const MAX_INSTRUCTIONS = 100_000_000;

/** The emu-port ops a PV guest may cause: the hypercalls emu forwards, and emu's own start of day. */
const FORWARDED = new Set<number>([
  EmuOp.memory_op, EmuOp.set_timer_op, EmuOp.console_io, EmuOp.grant_table_op,
  EmuOp.vcpu_op, EmuOp.sched_op, EmuOp.event_channel_op, EmuOp.BOOT_INFO, EmuOp.EVTCHN_TABLE,
]);

function knownFails(g: PvGuest, arch: PvArch): string[] {
  return [...(g.xennerDeviations ?? []), ...(arch === 'pv32' ? (g.pv32Deviations ?? []) : [])].map((d) => d.fail);
}

/** The guest passes, except exactly its known deviations (which must still fail: they turn red the day they pass). */
function expectPasses(g: PvGuest, arch: PvArch): void {
  const r = xenner(['run', pvGuestPath(g.name, arch), '--memory', '64', '--max-instructions', String(MAX_INSTRUCTIONS)], g.input !== undefined ? { input: g.input } : {});
  // A FAIL line is "FAIL: <what>" or "FAIL: <what> (got <value>)".
  const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL: ')).map((l) => l.slice(6).replace(/ \(got 0x[0-9a-f]+\)$/, ''));
  const known = knownFails(g, arch);
  expect(fails, r.stdout + r.stderr).toEqual(known);
  expect(r.stdout.split('\n'), r.stdout + r.stderr).toContain(known.length === 0 ? 'Test result: SUCCESS' : `Test result: FAILURE (${known[0]})`);
  expect(r.status, r.stderr).toBe(0);
  if (g.consoleLines !== undefined) expect(firstMissingInOrder(r.stdout, g.consoleLines), r.stdout).toBeUndefined();
}

for (const arch of ['pv64', 'pv32'] as const) {
  describe(`PV test guests under xenner (${arch})`, () => {
    for (const g of PV_GUESTS) {
      const known = [...(g.xennerDeviations ?? []), ...(arch === 'pv32' ? (g.pv32Deviations ?? []) : [])];
      const note = known.length === 0 ? '' : ` (except, known: ${known.map((d) => `${d.fail}: ${d.why}`).join('; ')})`;
      it(`${g.name}-${arch} passes${note}`, () => expectPasses(g, arch));
    }
  });
}

describe('host exits: what emu serves itself never leaves the guest', () => {
  for (const arch of ['pv64', 'pv32'] as const) {
    for (const g of PV_GUESTS) {
      it(`${g.name}-${arch} makes only forwarded requests`, async () => {
        const r = await runPvGuest(g.name, arch, g.input !== undefined ? { input: g.input } : {});
        expect(r.status).toBe(0);
        expect([...r.requests.keys()].filter((op) => !FORWARDED.has(op))).toEqual([]);
        // Start of day is exactly one BOOT_INFO and one EVTCHN_TABLE.
        expect(r.requests.get(EmuOp.BOOT_INFO)).toBe(1);
        expect(r.requests.get(EmuOp.EVTCHN_TABLE)).toBe(1);
      });
    }
  }

  for (const arch of ['pv64', 'pv32'] as const) {
    it(`events-${arch}: loopback sends and unmasks are served by emu (no EVTCHNOP_send or _unmask exit)`, async () => {
      const r = await runPvGuest('events', arch);
      expect(r.status).toBe(0);
      expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.send}`) ?? 0).toBe(0);
      expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.unmask}`) ?? 0).toBe(0);
      // ... while the channel set-up did go to the host.
      expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.alloc_unbound}`)).toBe(1);
    });
  }
});
