/**
 * `xenner run`'s options reach the machine's MachineConfig. The machine
 * registry is replaced by a launcher that records its config, so this runs
 * whether or not the real machine can boot the image yet.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MachineConfig } from '../../src/machine/machine.js';
import { pvGuestPath } from '../guests/pv-guests.js';

const seen: MachineConfig[] = [];
vi.mock('../../src/machine/machines.js', () => ({
  MACHINES: {
    pv: async (config: MachineConfig) => {
      seen.push(config);
      return { status: 0, reason: 'poweroff' };
    },
  },
}));

const { runCommand } = await import('../../src/cli/commands/run.js');
const { buildProgram } = await import('../../src/cli/program.js');

const base = { memory: 64, cmdline: '', vcpus: 1, cpu: 'intel', logLevel: 'silent' as const };

describe('xenner run --dump-xenstore', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('sets dumpXenstore in the machine config, and leaves it unset otherwise', async () => {
    expect(await runCommand(pvGuestPath('hello', 'pv64'), { ...base, dumpXenstore: true })).toBe(0);
    expect(await runCommand(pvGuestPath('hello', 'pv64'), base)).toBe(0);
    expect(seen.map((c) => c.dumpXenstore)).toEqual([true, undefined]);
  });

  it('is parsed from the command line', async () => {
    let status = -1;
    const program = buildProgram((s) => {
      status = s;
    });
    await program.parseAsync(['node', 'xenner', 'run', '--log-level', 'silent', '--dump-xenstore', pvGuestPath('hello', 'pv64')]);
    expect(status).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.dumpXenstore).toBe(true);
  });
});
