import { describe, expect, it } from 'vitest';
import { IrqLine } from '../../machine/irq-line.js';
import {
  FIFO_SIZE, IER_MS, IER_RDA, IER_RLS, IER_THRE, IIR_FIFO_ENABLED, IIR_MS, IIR_NONE, IIR_RDA, IIR_RLS, IIR_THRE, IIR_TIMEOUT,
  LCR_DLAB, LSR_DR, LSR_FIFO_ERROR, LSR_OE, LSR_TEMT, LSR_THRE, MCR_DTR, MCR_LOOP, MCR_OUT1, MCR_OUT2, MCR_RTS,
  MSR_CTS, MSR_DCD, MSR_DDCD, MSR_DDSR, MSR_DCTS, MSR_DSR, MSR_RI, MSR_TERI, Uart16550A, UartReg,
} from './uart-16550a.js';

function setup() {
  const out: number[] = [];
  const irq = new IrqLine('com1');
  const levels: boolean[] = [];
  irq.connect((l) => levels.push(l));
  let rxSpace = 0;
  const uart = new Uart16550A({ sink: (b) => out.push(b), irq, onRxSpace: () => rxSpace++ });
  const r = (reg: number): number => uart.read(reg, 1);
  const w = (reg: number, v: number): void => uart.write(reg, 1, v);
  return { uart, out, irq, levels, r, w, rxSpaceCalls: () => rxSpace };
}

describe('16550A reset state (as QEMU)', () => {
  it('has QEMU reset values', () => {
    const { r, irq } = setup();
    expect(r(UartReg.Ier)).toBe(0);
    expect(r(UartReg.IirFcr)).toBe(IIR_NONE);
    expect(r(UartReg.Lcr)).toBe(0);
    expect(r(UartReg.Mcr)).toBe(MCR_OUT2);
    expect(r(UartReg.Lsr)).toBe(LSR_THRE | LSR_TEMT);
    expect(r(UartReg.Msr)).toBe(MSR_DCD | MSR_DSR | MSR_CTS);
    expect(r(UartReg.Scr)).toBe(0);
    expect(irq.level).toBe(false);
  });
});

describe('THR/RBR', () => {
  it('sends THR writes to the sink', () => {
    const { w, out } = setup();
    for (const c of 'hi\n') w(UartReg.Data, c.charCodeAt(0));
    expect(Buffer.from(out).toString()).toBe('hi\n');
  });

  it('only the low byte of a wider access is transmitted', () => {
    const { uart, out } = setup();
    uart.write(UartReg.Data, 2, 0x4142);
    expect(out).toEqual([0x42]);
  });

  it('receives into RBR with LSR.DR, and reads 0 when empty', () => {
    const { uart, r, rxSpaceCalls } = setup();
    uart.receive(0x41);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(LSR_DR);
    expect(r(UartReg.Data)).toBe(0x41);
    expect(rxSpaceCalls()).toBe(1);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(0);
    expect(r(UartReg.Data)).toBe(0);
  });

  it('without FIFOs holds one byte: a second one overruns it (LSR.OE, cleared by reading LSR)', () => {
    const { uart, r } = setup();
    expect(uart.rxSpace).toBe(1);
    uart.receive(1);
    uart.receive(2);
    const lsr = r(UartReg.Lsr);
    expect(lsr & (LSR_OE | LSR_DR)).toBe(LSR_OE | LSR_DR);
    expect(lsr & LSR_FIFO_ERROR).toBe(0);
    expect(r(UartReg.Lsr) & LSR_OE).toBe(0);
    // The datasheet: the new character goes into RBR, "destroying the previous character" (QEMU does the same).
    expect(r(UartReg.Data)).toBe(2);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(0);
  });
});

describe('FCR and the FIFOs', () => {
  it('enables 16-byte FIFOs, shown in IIR bits 6-7', () => {
    const { uart, r, w } = setup();
    w(UartReg.IirFcr, 0x01);
    expect(r(UartReg.IirFcr)).toBe(IIR_FIFO_ENABLED | IIR_NONE);
    expect(uart.rxSpace).toBe(FIFO_SIZE);
    for (let i = 0; i < FIFO_SIZE; i++) uart.receive(i);
    expect(uart.rxSpace).toBe(0);
    uart.receive(99);
    const lsr = r(UartReg.Lsr);
    expect(lsr & LSR_OE).toBe(LSR_OE);
    // LSR bit 7 is for parity/framing/break errors in the FIFO, not overruns (which stay out of the FIFO).
    expect(lsr & LSR_FIFO_ERROR).toBe(0);
    for (let i = 0; i < FIFO_SIZE; i++) expect(r(UartReg.Data)).toBe(i);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(0);
  });

  it('clears the receive FIFO on FCR bit 1 and when FIFOs are toggled', () => {
    const { uart, r, w } = setup();
    w(UartReg.IirFcr, 0x01);
    uart.receive(1);
    w(UartReg.IirFcr, 0x03);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(0);
    uart.receive(2);
    w(UartReg.IirFcr, 0x00);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(0);
    expect(r(UartReg.IirFcr)).toBe(IIR_NONE);
  });

  it('reports data available at the trigger level, a timeout below it', () => {
    const { uart, r, w } = setup();
    w(UartReg.IirFcr, 0x81); // enable, trigger level 8
    w(UartReg.Ier, IER_RDA);
    for (let i = 0; i < 7; i++) uart.receive(i);
    expect(r(UartReg.IirFcr) & 0x0f).toBe(IIR_TIMEOUT);
    uart.receive(7);
    expect(r(UartReg.IirFcr) & 0x0f).toBe(IIR_RDA);
    r(UartReg.Data);
    expect(r(UartReg.IirFcr) & 0x0f).toBe(IIR_TIMEOUT);
  });
});

describe('LCR and the divisor latch', () => {
  it('DLAB maps DLL/DLM over RBR/THR and IER', () => {
    const { r, w, out } = setup();
    expect(r(UartReg.Lcr)).toBe(0);
    w(UartReg.Lcr, LCR_DLAB | 0x03);
    expect(r(UartReg.Data)).toBe(0x0c);
    expect(r(UartReg.Ier)).toBe(0);
    w(UartReg.Data, 0x01);
    w(UartReg.Ier, 0x02);
    expect(out).toEqual([]);
    expect(r(UartReg.Data)).toBe(0x01);
    expect(r(UartReg.Ier)).toBe(0x02);
    w(UartReg.Lcr, 0x03);
    expect(r(UartReg.Lcr)).toBe(0x03);
    expect(r(UartReg.Ier)).toBe(0);
    w(UartReg.Lcr, LCR_DLAB);
    expect(r(UartReg.Data)).toBe(0x01);
    expect(r(UartReg.Ier)).toBe(0x02);
  });
});

describe('IER and interrupts', () => {
  it('keeps only the four defined IER bits', () => {
    const { r, w } = setup();
    w(UartReg.Ier, 0xff);
    expect(r(UartReg.Ier)).toBe(0x0f);
  });

  it('raises a THR-empty interrupt when enabled and after each write; reading IIR acknowledges it', () => {
    const { r, w, irq } = setup();
    w(UartReg.Ier, IER_THRE);
    expect(irq.level).toBe(true);
    expect(r(UartReg.IirFcr)).toBe(IIR_THRE);
    expect(irq.level).toBe(false);
    expect(r(UartReg.IirFcr)).toBe(IIR_NONE);
    w(UartReg.Data, 0x41);
    expect(irq.level).toBe(true);
    w(UartReg.Ier, 0);
    expect(irq.level).toBe(false);
  });

  it('raises receive interrupts until the data is read', () => {
    const { uart, r, w, irq } = setup();
    w(UartReg.Ier, IER_RDA);
    uart.receive(0x61);
    expect(irq.level).toBe(true);
    expect(r(UartReg.IirFcr)).toBe(IIR_RDA);
    expect(irq.level).toBe(true);
    r(UartReg.Data);
    expect(irq.level).toBe(false);
  });

  it('orders line status above data above THR empty above modem status', () => {
    const { uart, r, w } = setup();
    w(UartReg.Mcr, MCR_OUT2 | MCR_RTS); // no change of MSR: not in loopback
    w(UartReg.Ier, IER_RDA | IER_THRE | IER_RLS | IER_MS);
    uart.receive(1);
    uart.receive(2); // overrun
    expect(r(UartReg.IirFcr)).toBe(IIR_RLS);
    r(UartReg.Lsr);
    expect(r(UartReg.IirFcr)).toBe(IIR_RDA);
    r(UartReg.Data);
    expect(r(UartReg.IirFcr)).toBe(IIR_THRE);
    expect(r(UartReg.IirFcr)).toBe(IIR_NONE);
  });

  it('gates the IRQ line with MCR.OUT2', () => {
    const { r, w, irq } = setup();
    w(UartReg.Mcr, 0);
    w(UartReg.Ier, IER_THRE);
    expect(irq.level).toBe(false);
    expect(r(UartReg.IirFcr)).toBe(IIR_THRE); // pending inside, the pin held low
    expect(r(UartReg.IirFcr)).toBe(IIR_NONE);
    w(UartReg.Data, 0x41);
    w(UartReg.Mcr, MCR_OUT2);
    expect(irq.level).toBe(true);
  });
});

describe('MCR loopback and MSR', () => {
  it('loops THR into RBR without transmitting', () => {
    const { uart, r, w, out } = setup();
    w(UartReg.Mcr, MCR_LOOP);
    w(UartReg.Data, 0x5a);
    uart.receive(0x11); // the line is disconnected in loopback
    expect(out).toEqual([]);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(LSR_DR);
    expect(r(UartReg.Data)).toBe(0x5a);
    expect(r(UartReg.Lsr) & LSR_DR).toBe(0);
  });

  it('maps RTS/DTR/OUT1/OUT2 to CTS/DSR/RI/DCD with delta bits, cleared on read', () => {
    const { r, w } = setup();
    w(UartReg.Mcr, MCR_LOOP);
    // The cable's CTS/DSR/DCD dropped: deltas for all three.
    expect(r(UartReg.Msr)).toBe(MSR_DCTS | MSR_DDSR | MSR_DDCD);
    expect(r(UartReg.Msr)).toBe(0);
    w(UartReg.Mcr, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT1 | MCR_OUT2);
    expect(r(UartReg.Msr)).toBe(MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD | MSR_DCTS | MSR_DDSR | MSR_DDCD);
    w(UartReg.Mcr, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT2);
    expect(r(UartReg.Msr)).toBe(MSR_CTS | MSR_DSR | MSR_DCD | MSR_TERI);
    expect(r(UartReg.Mcr)).toBe(MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT2);
  });

  it('raises modem-status interrupts internally but keeps the pin low in loopback', () => {
    const { r, w, irq } = setup();
    w(UartReg.Ier, IER_MS);
    w(UartReg.Mcr, MCR_LOOP | MCR_OUT2);
    expect(r(UartReg.IirFcr)).toBe(IIR_MS);
    expect(irq.level).toBe(false);
    r(UartReg.Msr);
    expect(r(UartReg.IirFcr)).toBe(IIR_NONE);
  });

  it('keeps only the five defined MCR bits', () => {
    const { r, w } = setup();
    w(UartReg.Mcr, 0xff);
    expect(r(UartReg.Mcr)).toBe(0x1f);
  });
});

describe('LSR, SCR', () => {
  it('ignores LSR and MSR writes', () => {
    const { r, w } = setup();
    w(UartReg.Lsr, 0);
    w(UartReg.Msr, 0);
    expect(r(UartReg.Lsr)).toBe(LSR_THRE | LSR_TEMT);
    expect(r(UartReg.Msr)).toBe(MSR_DCD | MSR_DSR | MSR_CTS);
  });

  it('stores the scratch register', () => {
    const { r, w } = setup();
    w(UartReg.Scr, 0xa5);
    expect(r(UartReg.Scr)).toBe(0xa5);
  });
});

describe('room for input', () => {
  it('is announced after RBR reads, FCR writes and leaving loopback', () => {
    const { uart, r, w, rxSpaceCalls } = setup();
    r(UartReg.Data);
    w(UartReg.IirFcr, 0x07);
    w(UartReg.Mcr, MCR_LOOP);
    expect(rxSpaceCalls()).toBe(2);
    w(UartReg.Mcr, MCR_OUT2);
    expect(rxSpaceCalls()).toBe(3);
    expect(uart.rxSpace).toBe(FIFO_SIZE);
  });
});
