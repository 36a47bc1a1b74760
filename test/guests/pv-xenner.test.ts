/**
 * The PV test guests under xenner: each boots with `xenner run` on the pv
 * machine (emu on our CPU) and must report success and power off. These are
 * the same binaries real Xen passes (pv-oracle.test.ts), so together the two
 * tests say xenner behaves as Xen does for everything the guests check.
 *
 * The host-exit test runs each guest in-process and checks emu's promise:
 * the hypercalls it serves itself never reach the host.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypercall } from '../../src/abi/xen/hypercalls.js';
import { EmuOp } from '../../src/abi/emu-port.js';
import { EvtchnOp } from '../../src/abi/xen/event-channel.js';
import type { EmuPortServer } from '../../src/host/emu-port/server.js';
import { createLogger } from '../../src/log/logger.js';
import { pvMachine } from '../../src/machine/pv/machine.js';
import { xenner } from '../helpers/cli.js';
import { firstMissingInOrder, PV_GUESTS, pvGuestPath } from './pv-guests.js';

/** Far above what any guest needs: a hang ends with status 10, not a timeout. */
const MAX_INSTRUCTIONS = 100_000_000;

/** The emu-port ops a PV guest may cause: the hypercalls emu forwards, and emu's own start of day. */
const FORWARDED = new Set<number>([
  EmuOp.memory_op, EmuOp.set_timer_op, EmuOp.console_io, EmuOp.grant_table_op,
  EmuOp.vcpu_op, EmuOp.sched_op, EmuOp.event_channel_op, EmuOp.BOOT_INFO, EmuOp.EVTCHN_TABLE,
]);

describe('PV test guests under xenner (pv64)', () => {
  for (const g of PV_GUESTS) {
    const known = g.xennerDeviations === undefined ? '' : ` (except, known under xenner: ${g.xennerDeviations.map((d) => `${d.fail}: ${d.why}`).join('; ')})`;
    it(`${g.name}-pv64 passes${known}`, () => {
      const r = xenner(['run', pvGuestPath(g.name, 'pv64'), '--memory', '64', '--max-instructions', String(MAX_INSTRUCTIONS)], g.input !== undefined ? { input: g.input } : {});
      // Exactly the known deviations fail (a FAIL line is "FAIL: <what>" or "FAIL: <what> (got <value>)").
      const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL: ')).map((l) => l.slice(6).replace(/ \(got 0x[0-9a-f]+\)$/, ''));
      const known = (g.xennerDeviations ?? []).map((d) => d.fail);
      expect(fails, r.stdout + r.stderr).toEqual(known);
      expect(r.stdout.split('\n'), r.stdout + r.stderr).toContain(known.length === 0 ? 'Test result: SUCCESS' : `Test result: FAILURE (${known[0]})`);
      expect(r.status, r.stderr).toBe(0);
      if (g.consoleLines !== undefined) expect(firstMissingInOrder(r.stdout, g.consoleLines), r.stdout).toBeUndefined();
    });
  }
});

describe('PV test guests under xenner (pv32)', () => {
  for (const g of PV_GUESTS) {
    it.skip(`${g.name}-pv32 passes (skipped: emu32 is not written yet, issue #6)`, () => {});
  }
});

async function runInProcess(name: string): Promise<{ status: number; counts: Map<number, number>; commands: Map<string, number> }> {
  let server: EmuPortServer | undefined;
  const file = pvGuestPath(name, 'pv64');
  const input = PV_GUESTS.find((g) => g.name === name)?.input;
  const r = await pvMachine({ onDomain: (_d, s) => (server = s) })({
    file,
    image: new Uint8Array(readFileSync(file)),
    kind: 'xen-pv',
    memoryMiB: 64,
    cmdline: '',
    vcpus: 1,
    maxInstructions: MAX_INSTRUCTIONS,
    cpuProfile: 'intel',
    logger: createLogger({ level: 'silent', pretty: false }),
    consoleOut: () => {},
    // The guest's typed input, then end of input, as a closed stdin gives.
    ...(input !== undefined
      ? {
          consoleIn: {
            subscribe: (onBytes: (b: Uint8Array) => void) => {
              setImmediate(() => {
                onBytes(Uint8Array.from(Buffer.from(input, 'latin1')));
                onBytes(new Uint8Array(0));
              });
              return () => {};
            },
          },
        }
      : {}),
  });
  return { status: r.status, counts: server!.counts, commands: server!.commandCounts };
}

describe('host exits: what emu serves itself never leaves the guest', () => {
  for (const g of PV_GUESTS) {
    it(`${g.name}-pv64 makes only forwarded requests`, async () => {
      const r = await runInProcess(g.name);
      expect(r.status).toBe(0);
      const ops = [...r.counts.keys()];
      expect(ops.filter((op) => !FORWARDED.has(op))).toEqual([]);
      // Start of day is exactly one BOOT_INFO and one EVTCHN_TABLE.
      expect(r.counts.get(EmuOp.BOOT_INFO)).toBe(1);
      expect(r.counts.get(EmuOp.EVTCHN_TABLE)).toBe(1);
    });
  }

  it('events-pv64: loopback sends and unmasks are served by emu (no EVTCHNOP_send or _unmask exit)', async () => {
    const r = await runInProcess('events');
    expect(r.status).toBe(0);
    expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.send}`) ?? 0).toBe(0);
    expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.unmask}`) ?? 0).toBe(0);
    // ... while the channel set-up did go to the host.
    expect(r.commands.get(`${Hypercall.event_channel_op}.${EvtchnOp.alloc_unbound}`)).toBe(1);
  });
});
