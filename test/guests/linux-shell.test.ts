/**
 * The mission's headline, end to end: Debian's own cloud kernel boots under
 * xenner (no Xen) from a busybox initramfs to a shell on the PV console,
 * runs a command typed on stdin, and powers the domain off.
 *
 * It takes several minutes on the software CPU, so it runs only with
 * XENNER_LONG_TESTS=1 and with the kernel and initramfs in the cache
 * (tools/fetch-debian-kernels.sh, tools/make-busybox-initramfs.sh);
 * otherwise it is skipped, saying which.
 */
import { describe, expect, it } from 'vitest';
import { xenner } from '../helpers/cli.js';
import { findCached, findDebianKernel, KERNEL_CACHE } from '../helpers/kernel-cache.js';

const kernel = findDebianKernel('cloud-amd64');
const initramfs = findCached('busybox-initramfs.gz');
const why =
  process.env.XENNER_LONG_TESTS !== '1'
    ? 'a long test: set XENNER_LONG_TESTS=1'
    : kernel === undefined || initramfs === undefined
      ? `needs vmlinuz-*-cloud-amd64 and busybox-initramfs.gz in ${KERNEL_CACHE}: run tools/fetch-debian-kernels.sh and tools/make-busybox-initramfs.sh`
      : undefined;

describe('Debian Linux under xenner', () => {
  it.skipIf(why !== undefined)(`boots to a busybox shell, runs a typed command and powers off${why ? ` (skipped: ${why})` : ''}`, () => {
    const r = xenner(
      ['run', kernel!, '--memory', '256', '--initrd', initramfs!, '--cmdline', 'console=hvc0', '--max-instructions', '20000000000'],
      { input: 'echo typed-into-the-shell\npoweroff -f\n', timeoutMs: 1_500_000 },
    );
    expect(r.stdout).toContain('xenner: userspace is up');
    expect(r.stdout).toMatch(/^typed-into-the-shell\r?$/m);
    expect(r.status, r.stderr).toBe(0);
  }, 1_600_000);
});
