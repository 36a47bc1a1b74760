/**
 * Real-world PV guests under xenner, from Debian's packages (fetched into
 * the kernel cache by tools/fetch-debian-kernels.sh, which .ci/run runs;
 * absent ones are skipped, saying so):
 *
 * - GRUB for Xen (x86_64) boots to its prompt on the PV console and runs
 *   a command typed on stdin.
 * - Debian's cloud kernel gets through its early boot (Xen detected, the
 *   memory map, NUMA and zones) within a budget CI can afford. How far it
 *   gets overall is in the issues; this keeps the early path from breaking.
 *
 * Both end by their instruction budget (status 10): neither powers off by
 * itself at that point.
 */
import { describe, expect, it } from 'vitest';
import { ExitStatus } from '../../src/cli/exit-status.js';
import { xenner } from '../helpers/cli.js';
import { FETCH_HINT, findCached, findDebianKernel, KERNEL_CACHE } from '../helpers/kernel-cache.js';

describe('real PV guests under xenner', () => {
  const grub = findCached('grub-x86_64-xen.bin');
  it.skipIf(grub === undefined)(`GRUB (x86_64-xen) reaches its prompt and runs a typed command${grub ? '' : ` (skipped: no grub-x86_64-xen.bin in ${KERNEL_CACHE}: ${FETCH_HINT})`}`, () => {
    const r = xenner(['run', grub!, '--memory', '128', '--max-instructions', '150000000'], { input: 'echo xenner-grub-test\r' });
    expect(r.stdout).toContain('GNU GRUB');
    expect(r.stdout).toMatch(/grub> /);
    // The command's output on a line of its own (GRUB starts lines with \r).
    expect(r.stdout).toMatch(/^\r?xenner-grub-test\r?$/m);
    expect(r.status, r.stderr).toBe(ExitStatus.BudgetExhausted);
  });

  const linux = findDebianKernel('cloud-amd64');
  it.skipIf(linux === undefined)(`Debian's cloud kernel gets through early boot${linux ? '' : ` (skipped: no vmlinuz-*-cloud-amd64 in ${KERNEL_CACHE}: ${FETCH_HINT})`}`, () => {
    const r = xenner(['run', linux!, '--memory', '256', '--cmdline', 'console=hvc0 earlyprintk=xen', '--max-instructions', '100000000']);
    const out = r.stdout;
    expect(out).toContain('Linux version');
    expect(out).toContain('Hypervisor detected: Xen PV');
    expect(out).toMatch(/Xen: \[mem 0x0000000000100000-0x000000000fffffff\] usable/);
    expect(out).toContain('Zone ranges:');
    expect(out).not.toMatch(/Kernel panic|BUG:|WARNING:/);
    expect(r.status, r.stderr).toBe(ExitStatus.BudgetExhausted);
  }, 120_000);
});
