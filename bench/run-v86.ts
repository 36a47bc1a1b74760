/**
 * Runs a benchmark guest in the v86 emulator (npm `v86`, its wasm build, in
 * this Node process), timing the part between the 'S' and 'D' bytes on COM1.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpuMs } from './run-ours.js';

export interface V86Run {
  /** CPU time of this process between the markers (v86 runs on this thread). */
  ms: number;
  wallMs: number;
}

interface V86Instance {
  add_listener(event: string, cb: (b: number) => void): void;
  destroy(): Promise<void> | void;
}
type V86Ctor = new (opts: Record<string, unknown>) => V86Instance;

export async function runOnV86(file: Uint8Array, jit: boolean, timeoutMs = 120_000): Promise<V86Run> {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('v86/package.json'));
  const mod = (await import('v86')) as unknown as { V86: V86Ctor };
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
  return new Promise<V86Run>((resolve, reject) => {
    const emu = new mod.V86({
      wasm_path: join(pkgDir, 'build', 'v86.wasm'),
      memory_size: 128 * 1024 * 1024,
      multiboot: { buffer },
      autostart: true,
      disable_jit: !jit,
      disable_keyboard: true,
      disable_mouse: true,
    });
    let t0 = 0, c0 = 0;
    const timer = setTimeout(() => { void emu.destroy(); reject(new Error('v86 run timed out')); }, timeoutMs);
    emu.add_listener('serial0-output-byte', (b: number) => {
      if (b === 0x53) { t0 = performance.now(); c0 = cpuMs(); }
      if (b === 0x44) {
        const ms = cpuMs() - c0, wallMs = performance.now() - t0;
        clearTimeout(timer);
        void Promise.resolve(emu.destroy()).then(() => resolve({ ms, wallMs }));
      }
    });
  });
}
