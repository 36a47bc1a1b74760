/**
 * Where tools/fetch-debian-kernels.sh (run by .ci/run) leaves Debian's
 * kernels and GRUB images for the tests; XENNER_KERNEL_CACHE overrides it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KERNEL_CACHE = process.env.XENNER_KERNEL_CACHE ?? join(homedir(), '.cache', 'xenner', 'kernels');

/** The newest cached vmlinuz-<version>-<flavour>, if any. */
export function findDebianKernel(flavour: string): string | undefined {
  if (!existsSync(KERNEL_CACHE)) return undefined;
  const re = new RegExp(`^vmlinuz-[0-9.]+-[0-9]+-${flavour.replace(/[-]/g, '\\-')}$`);
  const f = readdirSync(KERNEL_CACHE).filter((n) => re.test(n)).sort().pop();
  return f === undefined ? undefined : join(KERNEL_CACHE, f);
}

/** A cached file by name, if present. */
export function findCached(name: string): string | undefined {
  const p = join(KERNEL_CACHE, name);
  return existsSync(p) ? p : undefined;
}

export const FETCH_HINT = 'run tools/fetch-debian-kernels.sh';
