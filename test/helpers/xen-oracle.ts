/**
 * Real Xen as the reference for our 64-bit PV test guests: Debian's Xen
 * hypervisor (package xen-hypervisor-<ver>-amd64) boots under QEMU TCG with
 * the test guest as dom0, and the guest's console_io output comes back on
 * the serial line. If a guest passes here, the test itself is right; then
 * it must pass under xenner too.
 *
 * Limits: Debian builds Xen without CONFIG_PV32, so only pv64 guests can be
 * checked; and as dom0 a guest has no xenstore or console ring.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { repoRoot } from '../../tools/repo-root.js';

const CACHE = join(repoRoot(), '.cache', 'xen');
const XEN_ELF = join(CACHE, 'xen.elf');

let fetched: { path?: string; why?: string } | undefined;

/** Where the decompressed Xen image is, fetching it with apt the first time. */
export function xenHypervisor(): { path?: string; why?: string } {
  if (fetched) return fetched;
  fetched = fetchXen();
  return fetched;
}

function fetchXen(): { path?: string; why?: string } {
  if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0) return { why: 'qemu-system-x86_64 is not installed' };
  if (existsSync(XEN_ELF)) return { path: XEN_ELF };
  const names = spawnSync('apt-cache', ['pkgnames', 'xen-hypervisor-'], { encoding: 'utf8' });
  const pkg = (names.stdout ?? '')
    .split('\n')
    .filter((n) => /^xen-hypervisor-[0-9.]+-amd64$/.test(n))
    .sort()
    .pop();
  if (!pkg) return { why: 'no xen-hypervisor-*-amd64 package in the apt lists (apt-get update?)' };
  const dir = mkdtempSync(join(tmpdir(), 'xenner-xen-'));
  try {
    const dl = spawnSync('apt-get', ['download', pkg], { cwd: dir, encoding: 'utf8' });
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (dl.status !== 0 || !deb) return { why: `apt-get download ${pkg} failed: ${(dl.stderr ?? '').trim().split('\n').pop()}` };
    execFileSync('dpkg-deb', ['-x', join(dir, deb), join(dir, 'x')]);
    const gz = readdirSync(join(dir, 'x', 'boot')).find((f) => /^xen-.*\.gz$/.test(f));
    if (!gz) return { why: `${pkg} has no boot/xen-*.gz` };
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${XEN_ELF}.${process.pid}`;
    writeFileSync(tmp, gunzipSync(readFileSync(join(dir, 'x', 'boot', gz))));
    renameSync(tmp, XEN_ELF);
    return { path: XEN_ELF };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type XenEnding = 'poweroff' | 'reboot' | 'crash' | 'timeout';

export interface XenRun {
  ending: XenEnding;
  /** What the guest wrote (lines without Xen's "(XEN)" prefix). */
  console: string[];
  /** Everything on the serial line. */
  serial: string;
}

/** Boot `guest` as dom0 of real Xen under QEMU; resolves when dom0 ends. */
export function runUnderXen(guest: string, timeoutMs = 60_000): Promise<XenRun> {
  const xen = xenHypervisor();
  if (!xen.path) throw new Error(xen.why);
  const qemu = spawn(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-cpu', 'max', '-m', '256', '-smp', '1', '-nographic', '-no-reboot', '-monitor', 'none', '-serial', 'stdio',
      '-kernel', xen.path, '-append', 'console=com1 dom0_mem=32M loglvl=warning guest_loglvl=all noreboot', '-initrd', guest],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let serial = '';
    let ending: XenEnding | undefined;
    const finish = (e: XenEnding): void => {
      if (ending) return;
      ending = e;
      qemu.kill('SIGKILL');
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    qemu.stdout.setEncoding('latin1');
    qemu.stdout.on('data', (chunk: string) => {
      serial += chunk;
      if (/Hardware Dom0 halted/.test(serial)) finish('poweroff');
      else if (/Hardware Dom0 crashed/.test(serial)) finish('crash');
      else if (/Hardware Dom0 shutdown/.test(serial)) finish('reboot');
    });
    qemu.on('error', reject);
    qemu.on('close', () => {
      clearTimeout(timer);
      const lines = serial.replace(/\r/g, '').split('\n');
      resolve({ ending: ending ?? 'timeout', console: lines.filter((l) => !l.startsWith('(XEN)') && l.trim() !== ''), serial });
    });
  });
}
