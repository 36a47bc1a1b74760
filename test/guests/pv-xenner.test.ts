/**
 * The PV test guests under xenner: each boots with `xenner run` on the pv
 * machine (emu on our CPU) and must report success and power off. These are
 * the same binaries real Xen passes (pv-oracle.test.ts), so together the two
 * tests say xenner behaves as Xen does for everything the guests check.
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
import { PV_GUESTS, pvGuestPath, type PvArch } from './pv-guests.js';

/** Far above what any guest needs: a hang ends with status 10, not a timeout. */
const MAX_INSTRUCTIONS = 100_000_000;

/** The emu-port ops a PV guest may cause: the hypercalls emu forwards, and emu's own start of day. */
const FORWARDED = new Set<number>([
  EmuOp.memory_op, EmuOp.set_timer_op, EmuOp.console_io, EmuOp.grant_table_op,
  EmuOp.vcpu_op, EmuOp.sched_op, EmuOp.event_channel_op, EmuOp.BOOT_INFO, EmuOp.EVTCHN_TABLE,
]);

function expectPasses(name: string, arch: PvArch): void {
  const r = xenner(['run', pvGuestPath(name, arch), '--memory', '64', '--max-instructions', String(MAX_INSTRUCTIONS)]);
  expect(r.stdout, r.stdout + r.stderr).not.toMatch(/^FAIL:/m);
  expect(r.stdout.split('\n'), r.stdout + r.stderr).toContain('Test result: SUCCESS');
  expect(r.status, r.stderr).toBe(0);
}

describe('PV test guests under xenner (pv64)', () => {
  for (const g of PV_GUESTS) {
    it(`${g.name}-pv64 passes`, () => expectPasses(g.name, 'pv64'));
  }
});

/**
 * The pv32 guests that cannot pass yet, with the reason; every other one
 * must pass. Empty this list as the reasons go away.
 */
const PV32_NOT_YET: ReadonlyMap<string, string> = new Map([
  [
    'descriptors',
    "its two segment-limit checks (a ring-1 read past a segment's limit, and one of emu's part of the hole, must fault) " +
      "need the software CPU's data-segment limit checks (branch cpu2, not merged yet); every other check passes under emu32",
  ],
]);

describe('PV test guests under xenner (pv32)', () => {
  // Until cpu2 merges, everything but the segment-limit check must pass; once
  // it does, this fails and the skip above must go.
  it('descriptors-pv32 fails only its segment-limit checks (waiting for cpu2)', () => {
    const r = xenner(['run', pvGuestPath('descriptors', 'pv32'), '--memory', '64', '--max-instructions', String(MAX_INSTRUCTIONS)]);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL:')), r.stdout + r.stderr).toEqual([
      'FAIL: a read past the segment limit did not #GP (got 0x00000000)',
      'FAIL: a ring-1 read of the top of the hypervisor hole did not fault',
    ]);
    expect(r.status, r.stderr).toBe(0);
  });

  for (const g of PV_GUESTS) {
    const why = PV32_NOT_YET.get(g.name);
    if (why !== undefined) {
      it.skip(`${g.name}-pv32 passes (skipped: ${why})`, () => {});
      continue;
    }
    it(`${g.name}-pv32 passes`, () => expectPasses(g.name, 'pv32'));
  }
});

async function runInProcess(name: string, arch: PvArch = 'pv64'): Promise<{ status: number; counts: ReadonlyMap<number, number>; commands: ReadonlyMap<string, number> }> {
  const r = await runPvGuest(name, arch);
  return { status: r.status, counts: r.requests, commands: r.commands };
}

describe('host exits: what emu serves itself never leaves the guest', () => {
  for (const arch of ['pv64', 'pv32'] as const) {
    for (const g of PV_GUESTS) {
      it(`${g.name}-${arch} makes only forwarded requests`, async () => {
        const r = await runInProcess(g.name, arch);
        expect(r.status).toBe(0);
        expect([...r.counts.keys()].filter((op) => !FORWARDED.has(op))).toEqual([]);
        // Start of day is exactly one BOOT_INFO and one EVTCHN_TABLE.
        expect(r.counts.get(EmuOp.BOOT_INFO)).toBe(1);
        expect(r.counts.get(EmuOp.EVTCHN_TABLE)).toBe(1);
      });
    }
  }

  for (const arch of ['pv64', 'pv32'] as const) {
    it(`events-${arch}: loopback sends and unmasks are served by emu (no EVTCHNOP_send or _unmask exit)`, async () => {
      const r = await runInProcess('events', arch);
      expect(r.status).toBe(0);
      expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.send}`) ?? 0).toBe(0);
      expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.unmask}`) ?? 0).toBe(0);
      // ... while the channel set-up did go to the host.
      expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.alloc_unbound}`)).toBe(1);
    });
  }
});
