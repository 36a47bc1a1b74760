/**
 * `xenner run --dump-xenstore`: the PV guest's xenstore tree, xenstore-ls
 * style (src/host/xenstore/dump.ts), on stderr once the guest has ended;
 * stdout stays the guest's console alone.
 */
import { describe, expect, it } from 'vitest';
import { xenner } from '../helpers/cli.js';
import { pvGuestPath } from '../guests/pv-guests.js';

describe('xenner run --dump-xenstore', () => {
  it('prints the tree to stderr when the guest ends', () => {
    const r = xenner(['run', pvGuestPath('xenstore', 'pv64'), '--memory', '64', '--max-instructions', '100000000', '--dump-xenstore']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^local = ""$/m);
    expect(r.stderr).toMatch(/^ {3}name = "/m);
    expect(r.stdout).not.toMatch(/^local = ""$/m);
  });
});
