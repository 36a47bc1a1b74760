import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { xenner } from '../helpers/cli.js';
import { qemuUnavailable, runUnderQemu } from '../helpers/qemu.js';
import { comparableTranscript, kernelPath, SYSTEM_KERNELS } from './manifest.js';

/**
 * The system kernels under `xenner run`, on our CPU: the same expectations
 * as under QEMU (manifest.ts), and the same console output as QEMU gives
 * when it is installed. COM1 is the guest console (stdout); the 0xe9 debug
 * console goes to stderr.
 */

/** A budget far above what any of these kernels needs: a hang ends with status 10, not a timeout. */
const MAX_INSTRUCTIONS = 200_000_000;

describe('system kernels under xenner', () => {
  for (const k of SYSTEM_KERNELS) {
    // A kernel marked as a known failure must still fail: it.fails turns red the day it passes.
    const run = k.xennerKnownFailure !== undefined ? it.fails : it;
    const title = k.xennerKnownFailure !== undefined ? `${k.name}: EXPECTED TO FAIL under xenner: ${k.xennerKnownFailure}` : `${k.name}: ${k.checks}`;
    run(title, () => {
      const args = ['run', kernelPath(k), '--machine', k.machine, '--memory', '64', '--max-instructions', String(MAX_INSTRUCTIONS)];
      if (k.cmdline !== undefined) args.push('--cmdline', k.cmdline);
      const r = xenner(args, k.input !== undefined ? { input: k.input } : {});
      expect(r.stdout.split('\n'), r.stdout + r.stderr).toContain(k.resultLine);
      expect(r.stderr.split('\n'), r.stderr).toContain(k.resultLine);
      if (k.status === 1) expect(r.stdout).not.toMatch(/^FAIL:/m);
      expect(r.status, r.stderr).toBe(k.status);
      // The same output as under QEMU, line for line.
      if (qemuUnavailable() === undefined) {
        const q = runUnderQemu(kernelPath(k), {
          ...(k.cmdline !== undefined ? { cmdline: k.cmdline } : {}),
          ...(k.input !== undefined ? { input: k.input } : {}),
        });
        expect(comparableTranscript(r.stdout)).toEqual(comparableTranscript(q.serial));
      }
    });
  }
});

describe('xenner run: what the user sees when the guest does not end by itself', () => {
  it('an exhausted --max-instructions budget: exit 10 and the reason on stderr, nothing on stdout', () => {
    const r = xenner(['run', kernelPath(SYSTEM_KERNELS[0]!), '--max-instructions', '1000']);
    expect(r.status).toBe(10);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/instruction budget of 1000 exhausted/);
  });
});

describe('xenner run: bare-machine images it must refuse', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'xenner-bare-'));

  it('a multiboot kernel whose a.out kludge entry lies outside the image: one line, exit 2', () => {
    const image = readFileSync(kernelPath(SYSTEM_KERNELS[0]!));
    image.writeUInt32LE(0x7000000, 28); // entry_addr
    const file = join(tmp, 'bad-entry.bin');
    writeFileSync(file, image);
    const r = xenner(['run', file]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`xenner: ${file}: multiboot a.out kludge: entry_addr 0x7000000 outside the loaded image`]);
  });

  it('boot data that does not fit --memory: one line, exit 2', () => {
    const initrd = join(tmp, 'big.img');
    writeFileSync(initrd, Buffer.alloc(4 << 20));
    const r = xenner(['run', kernelPath(SYSTEM_KERNELS[0]!), '--memory', '4', '--initrd', initrd]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^xenner: \S+hello\.bin: guest memory too small for the boot data \(needs 6 MiB; use --memory\)$/);
  });
});
