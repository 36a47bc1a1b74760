import { describe, expect, it } from 'vitest';
import { DebugConsole, DEBUGCON_READBACK } from './debug-console.js';
import { DebugExit } from './debug-exit.js';

describe('debug console (0xe9)', () => {
  it('prints the low byte of every write and reads back 0xe9', () => {
    const out: number[] = [];
    const d = new DebugConsole((b) => out.push(b));
    d.write(0, 1, 0x41);
    d.write(0, 2, 0x4342);
    expect(out).toEqual([0x41, 0x42]);
    expect(d.read(0, 1)).toBe(DEBUGCON_READBACK);
    expect(DEBUGCON_READBACK).toBe(0xe9);
  });
});

describe('debug exit (0xf4)', () => {
  it('ends with (V << 1) | 1, truncated to 8 bits', () => {
    const seen: [number, number][] = [];
    const d = new DebugExit((status, value) => seen.push([status, value]));
    d.write(0, 1, 0);
    d.write(0, 1, 0x10);
    d.write(0, 4, 0x1ff);
    expect(seen).toEqual([[1, 0], [0x21, 0x10], [0xff, 0x1ff]]);
    expect(d.read(0, 4)).toBe(0);
  });
});
