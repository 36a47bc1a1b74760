/**
 * The adapter from the replay harness (fixture-runner.ts) to the software
 * CPU. Until src/cpu/testing.ts exists this exports no factory, and the
 * replay tests in fixtures.test.ts are reported as todo (pending), never as
 * passing.
 *
 * To wire it (see README.md), replace the export below with a factory that
 * builds one CPU per mode and file: 64-bit long mode, 32-bit protected mode,
 * or real mode for mode 16, at the CPL given by the RPL of selectors.cs (real
 * mode: the selectors are the segment values), with port I/O answered with
 * all ones and writes dropped. For example:
 *
 *   import { createTestCpu } from '../../src/cpu/testing.js';
 *   import { GuestMemory } from '../../src/memory/guest-memory.js';
 *   export const fixtureCpuFactory: FixtureCpuFactory | undefined = ({ mode, selectors }) => {
 *     const memory = new GuestMemory(1 << 20);
 *     const cpu = createTestCpu({ mode, memory, user: true, selectors });
 *     return {
 *       writeMemory: (addr, bytes) => memory.u8.set(bytes, addr),
 *       readMemory: (addr, len) => memory.u8.slice(addr, addr + len),
 *       setGpr: (i, v) => cpu.setGpr(i, v),
 *       getGpr: (i) => cpu.getGpr(i),
 *       setRflags: (v) => cpu.setRflags(v),
 *       getRflags: () => cpu.getRflags(),
 *       run: (start, end, max) => cpu.runUntil(start, end, max),
 *     };
 *   };
 */
import type { FixtureCpuFactory } from './fixture-runner.js';

export const fixtureCpuFactory: FixtureCpuFactory | undefined = undefined;

/** Why the replay is pending; shown in the todo test names. */
export const fixtureCpuPending = 'the software CPU (src/cpu/testing.ts) is not wired into test/cpu/fixture-cpu.ts yet';
