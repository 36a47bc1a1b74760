import { describe, expect, it } from 'vitest';
import { Uart16550A, UartReg } from '../hvm/devices/uart-16550a.js';
import { MAX_BACKLOG, SerialInput } from './serial-input.js';

function setup() {
  const uart = new Uart16550A({ sink: () => undefined });
  const input = new SerialInput(uart);
  const readAll = (): number[] => {
    const got: number[] = [];
    while (uart.read(UartReg.Lsr, 1) & 1) {
      got.push(uart.read(UartReg.Data, 1));
      input.feed();
    }
    return got;
  };
  return { uart, input, readAll };
}

describe('serial input', () => {
  it('holds what the receiver cannot take and feeds it in order as the guest reads', () => {
    const { input, readAll } = setup();
    input.push(Uint8Array.of(1, 2, 3));
    input.push(Uint8Array.of(4, 5));
    expect(input.pending).toBe(4); // one byte sits in the 16450-mode RBR
    expect(readAll()).toEqual([1, 2, 3, 4, 5]);
    expect(input.pending).toBe(0);
  });

  it('drops input beyond MAX_BACKLOG waiting bytes', () => {
    const { input } = setup();
    input.push(new Uint8Array(MAX_BACKLOG + 100));
    // MAX_BACKLOG taken, one of them moved on into the receiver at once.
    expect(input.pending).toBe(MAX_BACKLOG - 1);
    expect(input.retained).toBe(MAX_BACKLOG);
    input.push(Uint8Array.of(7, 8));
    expect(input.pending).toBe(MAX_BACKLOG);
  });

  it('keeps memory bounded by what waits, not by what passed through', () => {
    const { uart, input } = setup();
    // A pipe that always stays ahead of the guest: the backlog never empties.
    for (let round = 0; round < 2000; round++) {
      input.push(Uint8Array.from({ length: 1000 }, (_, i) => (round + i) & 0xff));
      for (let i = 0; i < 999; i++) {
        uart.read(UartReg.Data, 1);
        input.feed();
      }
    }
    expect(input.pending).toBeGreaterThan(0);
    expect(input.retained).toBeLessThanOrEqual(4096);
  });
});
