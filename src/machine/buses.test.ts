import { describe, expect, it } from 'vitest';
import type { BusDevice } from './bus-device.js';
import { IoBus } from './io-bus.js';
import { IrqLine } from './irq-line.js';
import { MmioBus } from './mmio-bus.js';

/** Records accesses and answers reads with offset*0x10 + size. */
class Recorder implements BusDevice {
  readonly log: string[] = [];
  read(offset: number, size: number): number {
    this.log.push(`r${offset}/${size}`);
    return offset * 0x10 + size;
  }
  write(offset: number, size: number, value: number): void {
    this.log.push(`w${offset}/${size}=${value.toString(16)}`);
  }
}

describe('IoBus', () => {
  it('dispatches by range with the offset from the base', () => {
    const bus = new IoBus();
    const a = new Recorder();
    const b = new Recorder();
    bus.register('a', 0x3f8, 8, a);
    bus.register('b', 0xe9, 1, b);
    expect(bus.read(0x3fd, 1)).toBe(0x51);
    bus.write(0x3f8, 1, 0x41);
    bus.write(0xe9, 2, 0x1234);
    expect(a.log).toEqual(['r5/1', 'w0/1=41']);
    expect(b.log).toEqual(['w0/2=1234']);
  });

  it('reads all-ones from unclaimed ports and drops writes', () => {
    const bus = new IoBus();
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
    expect(() => bus.write(0x80, 1, 0)).not.toThrow();
  });

  it('rejects overlapping and out-of-range claims', () => {
    const bus = new IoBus();
    bus.register('a', 0x3f8, 8, new Recorder());
    expect(() => bus.register('b', 0x3ff, 2, new Recorder())).toThrow(/overlap a/);
    expect(() => bus.register('c', 0x3f0, 9, new Recorder())).toThrow(/overlap a/);
    expect(() => bus.register('d', 0xffff, 2, new Recorder())).toThrow(RangeError);
    expect(() => bus.register('e', 0x10, 0, new Recorder())).toThrow(RangeError);
    bus.register('f', 0x3f0, 8, new Recorder());
    bus.register('g', 0x400, 1, new Recorder());
  });
});

describe('MmioBus', () => {
  it('finds ranges by binary search and rejects overlaps', () => {
    const bus = new MmioBus();
    const devs = [new Recorder(), new Recorder(), new Recorder()];
    bus.register('hi', 0xfee00000, 0x1000, devs[2]!);
    bus.register('lo', 0xa0000, 0x20000, devs[0]!);
    bus.register('mid', 0xfec00000, 0x100, devs[1]!);
    expect(() => bus.register('x', 0xfec000ff, 2, new Recorder())).toThrow(/overlaps mid/);
    expect(() => bus.register('y', 0x9ffff, 2, new Recorder())).toThrow(/overlaps lo/);
    expect(() => bus.register('z', 2 ** 52 - 1, 2, new Recorder())).toThrow(RangeError);
    const data = new Uint8Array(8);
    bus.read(0xfec00010, 4, data);
    expect(Array.from(data.subarray(0, 4))).toEqual([0x04, 0x01, 0, 0]);
    bus.write(0xa0001, 2, Uint8Array.of(0x34, 0x12));
    expect(devs[0]!.log).toEqual(['w1/2=1234']);
    expect(devs[2]!.log).toEqual([]);
  });

  it('splits 8-byte accesses into two 4-byte ones, low half first', () => {
    const bus = new MmioBus();
    const d = new Recorder();
    bus.register('d', 0x1000, 0x100, d);
    bus.write(0x1008, 8, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 0x88));
    expect(d.log).toEqual(['w8/4=4030201', 'w12/4=88070605']);
    const data = new Uint8Array(8);
    bus.read(0x1010, 8, data);
    expect(Array.from(data)).toEqual([0x04, 1, 0, 0, 0x44, 1, 0, 0]);
  });

  it('reads all-ones outside every claim, drops writes there', () => {
    const bus = new MmioBus();
    bus.register('d', 0x1000, 0x100, new Recorder());
    const data = new Uint8Array(8);
    bus.read(0x1100, 2, data);
    expect(Array.from(data.subarray(0, 2))).toEqual([0xff, 0xff]);
    bus.read(0xff0, 8, data);
    expect(Array.from(data)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    bus.write(0x2000, 4, data);
  });
});

describe('IrqLine', () => {
  it('tells its listener of level changes only', () => {
    const line = new IrqLine('t');
    line.raise();
    const seen: boolean[] = [];
    line.connect((l) => seen.push(l));
    line.raise();
    line.lower();
    line.lower();
    line.set(true);
    expect(seen).toEqual([true, false, true]);
    expect(line.level).toBe(true);
    expect(() => line.connect(() => undefined)).toThrow(/already connected/);
  });
});
