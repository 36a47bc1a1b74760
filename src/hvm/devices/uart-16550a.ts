/**
 * A 16550A UART (the PC's COM1 at 0x3f8, IRQ 4): the full register set, the
 * 16-byte FIFOs, the divisor latch, loopback, and the interrupt logic with the
 * datasheet's priorities. Transmission is instantaneous: a byte written to
 * THR goes to the sink at once, so THRE and TEMT are always set and THR-empty
 * interrupts follow each write.
 *
 * Reset values and the modem lines of the "cable" follow QEMU's serial device
 * (MCR.OUT2 set, CTS/DSR/DCD asserted), because the test kernels run under
 * QEMU too and must see the same registers there.
 *
 * The interrupt output is wired as on a PC: the INTR pin reaches the IRQ line
 * only while MCR.OUT2 is set, and loopback mode disconnects it.
 */
import type { BusDevice } from '../../machine/bus-device.js';
import type { IrqLine } from '../../machine/irq-line.js';

/** Register offsets from the base port. */
export const UartReg = {
  /** Read: receiver buffer (RBR). Write: transmitter holding (THR). DLAB=1: divisor low (DLL). */
  Data: 0,
  /** Interrupt enable (IER). DLAB=1: divisor high (DLM). */
  Ier: 1,
  /** Read: interrupt identification (IIR). Write: FIFO control (FCR). */
  IirFcr: 2,
  Lcr: 3,
  Mcr: 4,
  Lsr: 5,
  Msr: 6,
  Scr: 7,
} as const;

export const IER_RDA = 0x01;
export const IER_THRE = 0x02;
export const IER_RLS = 0x04;
export const IER_MS = 0x08;

export const IIR_NONE = 0x01;
export const IIR_RLS = 0x06;
export const IIR_RDA = 0x04;
export const IIR_TIMEOUT = 0x0c;
export const IIR_THRE = 0x02;
export const IIR_MS = 0x00;
export const IIR_FIFO_ENABLED = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const LSR_FIFO_ERROR = 0x80;
const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;
/** The errors that travel with a character in the FIFO and so set LSR bit 7; an overrun never enters the FIFO. */
const LSR_FIFO_CHAR_ERRORS = LSR_PE | LSR_FE | LSR_BI;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

export const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** The modem lines a connected terminal drives (QEMU's default). */
const CABLE_MSR = MSR_DCD | MSR_DSR | MSR_CTS;

export interface UartOptions {
  /** Receives every transmitted byte (not in loopback mode). */
  sink: (byte: number) => void;
  irq?: IrqLine;
  /**
   * Called when the receiver may take more input: the guest read RBR,
   * changed the FIFOs (FCR), or left loopback mode.
   */
  onRxSpace?: () => void;
}

export class Uart16550A implements BusDevice {
  private ier = 0;
  private lcr = 0;
  private mcr = MCR_OUT2;
  /** Only the error bits and DR live here; THRE/TEMT are always set. */
  private lsrErrors = 0;
  private msr = CABLE_MSR;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fifoEnabled = false;
  private triggerLevel = 1;
  /** THR-empty interrupt pending (cleared by reading IIR or writing THR). */
  private thrIpending = false;
  /** Receive FIFO as a ring (16 bytes, or 1 in 16450 mode). */
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;

  constructor(private readonly opts: UartOptions) {}

  /** How many more bytes the receiver takes before it overruns. */
  get rxSpace(): number {
    return this.rxCapacity - this.rxCount;
  }

  private get rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  private get loopback(): boolean {
    return (this.mcr & MCR_LOOP) !== 0;
  }

  /**
   * A byte arrives on the receive line (from the host side). When the
   * receiver is full LSR.OE is set and, as the datasheet says, a full FIFO
   * keeps its bytes and loses the new one, while the single RBR of 16450
   * mode is overwritten by it. Ignored in loopback mode, where the receiver
   * listens to the transmitter instead.
   */
  receive(byte: number): void {
    if (this.loopback) return;
    this.pushRx(byte);
  }

  private pushRx(byte: number): void {
    if (this.rxCount >= this.rxCapacity) {
      this.lsrErrors |= LSR_OE;
      if (!this.fifoEnabled) this.rx[this.rxHead] = byte & 0xff;
    } else {
      this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte & 0xff;
      this.rxCount++;
    }
    this.updateIrq();
  }

  private popRx(): number {
    if (this.rxCount === 0) return 0;
    const b = this.rx[this.rxHead]!;
    this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
    this.rxCount--;
    return b;
  }

  private clearRx(): void {
    this.rxHead = 0;
    this.rxCount = 0;
  }

  private get dlab(): boolean {
    return (this.lcr & LCR_DLAB) !== 0;
  }

  /**
   * The highest-priority pending interrupt as IIR bits 0-3. The receive
   * timeout (four character times without a read) is taken as elapsed at
   * once when the FIFO holds fewer bytes than the trigger level: host input
   * arrives in whole chunks, so no more is coming soon.
   */
  private pendingInterrupt(): number {
    if (this.ier & IER_RLS && this.lsrErrors & LSR_ERRORS) return IIR_RLS;
    if (this.ier & IER_RDA && this.rxCount > 0) {
      if (!this.fifoEnabled || this.rxCount >= this.triggerLevel) return IIR_RDA;
      return IIR_TIMEOUT;
    }
    if (this.ier & IER_THRE && this.thrIpending) return IIR_THRE;
    if (this.ier & IER_MS && this.msr & (MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD)) return IIR_MS;
    return IIR_NONE;
  }

  private updateIrq(): void {
    const irq = this.opts.irq;
    if (irq === undefined) return;
    irq.set(this.pendingInterrupt() !== IIR_NONE && (this.mcr & MCR_OUT2) !== 0 && !this.loopback);
  }

  read(offset: number, _size: number): number {
    switch (offset) {
      case UartReg.Data: {
        if (this.dlab) return this.dll;
        const b = this.popRx();
        this.updateIrq();
        this.opts.onRxSpace?.();
        return b;
      }
      case UartReg.Ier:
        return this.dlab ? this.dlm : this.ier;
      case UartReg.IirFcr: {
        const id = this.pendingInterrupt();
        // Reading IIR acknowledges a THR-empty interrupt it reports.
        if (id === IIR_THRE) {
          this.thrIpending = false;
          this.updateIrq();
        }
        return id | (this.fifoEnabled ? IIR_FIFO_ENABLED : 0);
      }
      case UartReg.Lcr:
        return this.lcr;
      case UartReg.Mcr:
        return this.mcr;
      case UartReg.Lsr: {
        let v = LSR_THRE | LSR_TEMT | this.lsrErrors;
        if (this.rxCount > 0) v |= LSR_DR;
        if (this.fifoEnabled && this.lsrErrors & LSR_FIFO_CHAR_ERRORS) v |= LSR_FIFO_ERROR;
        this.lsrErrors = 0;
        this.updateIrq();
        return v;
      }
      case UartReg.Msr: {
        const v = this.msr;
        this.msr &= ~(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
        this.updateIrq();
        return v;
      }
      case UartReg.Scr:
        return this.scr;
      default:
        return 0xff;
    }
  }

  write(offset: number, _size: number, value: number): void {
    const v = value & 0xff;
    switch (offset) {
      case UartReg.Data:
        if (this.dlab) {
          this.dll = v;
          return;
        }
        if (this.loopback) this.pushRx(v);
        else this.opts.sink(v);
        // The byte left at once: THR is empty again.
        this.thrIpending = true;
        this.updateIrq();
        return;
      case UartReg.Ier: {
        if (this.dlab) {
          this.dlm = v;
          return;
        }
        const was = this.ier;
        this.ier = v & 0x0f;
        // Enabling the THR-empty interrupt while THR is empty raises it (it always is).
        if (!(was & IER_THRE) && this.ier & IER_THRE) this.thrIpending = true;
        if (!(this.ier & IER_THRE)) this.thrIpending = false;
        this.updateIrq();
        return;
      }
      case UartReg.IirFcr: {
        const enable = (v & FCR_ENABLE) !== 0;
        if (enable !== this.fifoEnabled) this.clearRx();
        this.fifoEnabled = enable;
        if (v & FCR_CLEAR_RX) this.clearRx();
        // The transmit FIFO is always empty: FCR_CLEAR_TX has nothing to do.
        this.triggerLevel = TRIGGER_LEVELS[v >> 6]!;
        this.updateIrq();
        this.opts.onRxSpace?.();
        return;
      }
      case UartReg.Lcr:
        this.lcr = v;
        return;
      case UartReg.Mcr: {
        const wasLoopback = this.loopback;
        this.mcr = v & 0x1f;
        this.updateModemStatus();
        this.updateIrq();
        // Back on the line: whatever waited for the receiver may come in.
        if (wasLoopback && !this.loopback) this.opts.onRxSpace?.();
        return;
      }
      case UartReg.Lsr:
        // Writable on the chip for factory test only; QEMU ignores it too.
        return;
      case UartReg.Msr:
        return;
      case UartReg.Scr:
        this.scr = v;
        return;
    }
  }

  /**
   * The modem status lines: from the cable, or in loopback mode from MCR
   * (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). A change sets its delta bit;
   * for RI only the trailing edge does (TERI).
   */
  private updateModemStatus(): void {
    let lines = CABLE_MSR;
    if (this.loopback) {
      lines = 0;
      if (this.mcr & MCR_RTS) lines |= MSR_CTS;
      if (this.mcr & MCR_DTR) lines |= MSR_DSR;
      if (this.mcr & MCR_OUT1) lines |= MSR_RI;
      if (this.mcr & MCR_OUT2) lines |= MSR_DCD;
    }
    const old = this.msr & 0xf0;
    const changed = old ^ lines;
    let deltas = this.msr & 0x0f;
    if (changed & MSR_CTS) deltas |= MSR_DCTS;
    if (changed & MSR_DSR) deltas |= MSR_DDSR;
    if (changed & MSR_DCD) deltas |= MSR_DDCD;
    if (old & MSR_RI && !(lines & MSR_RI)) deltas |= MSR_TERI;
    this.msr = lines | deltas;
  }
}
