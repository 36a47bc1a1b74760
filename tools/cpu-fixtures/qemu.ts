/**
 * Runs snippets under QEMU (TCG): 16-bit ones in real mode, 32-bit ones in
 * flat protected mode at CPL 0, 64-bit ones in long mode at CPL 0. Builds qemu/kernel.asm (a multiboot kernel),
 * hands it the same batch the native runners read as a multiboot module
 * (behind a 16-byte header naming the mode), and decodes what it writes to
 * the 0xe9 debug console.
 *
 * This is the reference for what cannot run natively. The 16-bit fixtures
 * themselves come from the host CPU (16-bit protected-mode segments based like
 * real mode); `npm run fixtures:cpu -- --qemu16` compares them with real mode
 * under QEMU, which is how we know that replaying them in real mode is sound.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOutput, encodeBatch, type NativeResult, type RunnerHeader } from './native.js';
import type { CaseSpec } from './spec.js';

const here = dirname(fileURLToPath(import.meta.url)).replace(/[\\/]dist[\\/]tools[\\/]/, '/tools/');

export function qemuAvailable(): string | undefined {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    execFileSync('nasm', ['-v'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs qemu-system-x86_64 and nasm';
  }
}

export function qemuVersion(): string {
  return execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}

export type QemuMode = 16 | 32 | 64;

export function runQemu(mode: QemuMode, specs: readonly CaseSpec[], codes: readonly Uint8Array[]): { header: RunnerHeader; results: NativeResult[] } {
  const dir = mkdtempSync(join(tmpdir(), 'xenner-qemu-'));
  try {
    const kernel = join(dir, 'kernel.bin');
    execFileSync('nasm', ['-f', 'bin', '-w-number-overflow', '-I', join(here, 'runner') + '/', '-o', kernel, join(here, 'qemu', 'kernel.asm')]);
    const module = join(dir, 'cases.bin');
    const head = Buffer.alloc(16);
    head.writeUInt32LE(mode, 0);
    writeFileSync(module, Buffer.concat([head, encodeBatch(mode, specs, codes)]));
    const out = join(dir, 'out.bin');
    const mb = Math.max(64, Math.ceil(readFileSync(module).length / (1 << 20)) * 2 + 16);
    const run = spawnSync('qemu-system-x86_64', [
      '-accel', 'tcg', '-cpu', 'max', '-m', String(mb),
      '-display', 'none', '-monitor', 'none', '-serial', 'none', '-no-reboot',
      '-kernel', kernel, '-initrd', module,
      '-debugcon', `file:${out}`,
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    ], { timeout: 300_000, stdio: ['ignore', 'ignore', 'pipe'] });
    if (run.error) throw run.error;
    // isa-debug-exit: status (value << 1) | 1; the kernel writes 0
    if (run.status !== 1) throw new Error(`qemu exited with ${run.status}: ${String(run.stderr).trim().slice(0, 400)}`);
    return decodeOutput(`qemu kernel (${mode}-bit)`, mode, readFileSync(out), specs.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
