/**
 * Boots a bare-machine test kernel under QEMU (TCG), the reference the test
 * kernels are proven against: -kernel loads multiboot and PVH images, the
 * debug console and COM1 go to files, isa-debug-exit ends the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const QEMU = 'qemu-system-x86_64';

/** Why QEMU cannot run here, or undefined when it can. */
export function qemuUnavailable(): string | undefined {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `${QEMU} is not installed (apt-get install qemu-system-x86)`;
  return undefined;
}

export interface QemuRun {
  status: number | null;
  /** Killed by the timeout. */
  timedOut: boolean;
  serial: string;
  debugcon: string;
  stderr: string;
}

/**
 * With `input`, COM1 is QEMU's stdio (its output is then QEMU's stdout);
 * otherwise it is a file and the input is empty.
 */
export function runUnderQemu(kernel: string, opts: { cmdline?: string; input?: string; memoryMiB?: number; timeoutMs?: number } = {}): QemuRun {
  const dir = mkdtempSync(join(tmpdir(), 'xenner-qemu-'));
  const serial = join(dir, 'serial.txt');
  const debugcon = join(dir, 'debugcon.txt');
  try {
    const args = [
      '-accel', 'tcg',
      '-nodefaults',
      '-display', 'none',
      '-no-reboot',
      '-m', String(opts.memoryMiB ?? 64),
      '-kernel', kernel,
      ...(opts.cmdline !== undefined ? ['-append', opts.cmdline] : []),
      '-serial', opts.input !== undefined ? 'stdio' : `file:${serial}`,
      '-debugcon', `file:${debugcon}`,
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    ];
    const r = spawnSync(QEMU, args, {
      encoding: 'latin1',
      input: opts.input ?? '',
      timeout: opts.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
    });
    const read = (f: string): string => {
      try {
        return readFileSync(f, 'latin1');
      } catch {
        return '';
      }
    };
    return {
      status: r.status,
      timedOut: r.signal === 'SIGKILL',
      serial: opts.input !== undefined ? r.stdout : read(serial),
      debugcon: read(debugcon),
      stderr: r.stderr ?? '',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
