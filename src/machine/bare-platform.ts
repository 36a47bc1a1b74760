/**
 * The devices of the bare machine that test kernels run on (multiboot, PVH):
 * a 16550A UART at 0x3f8 (COM1) as the console, the 0xe9 debug console, and
 * the 0xf4 debug-exit port, on fresh port and MMIO buses. There is no
 * interrupt controller: the UART's IRQ line is left unconnected, and the
 * guest polls.
 */
import { DebugConsole, DEBUGCON_PORT } from '../hvm/devices/debug-console.js';
import { DebugExit, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS } from '../hvm/devices/debug-exit.js';
import { Uart16550A } from '../hvm/devices/uart-16550a.js';
import type { Logger } from '../log/logger.js';
import { ConsoleWriter } from './console-writer.js';
import { IoBus } from './io-bus.js';
import { IrqLine } from './irq-line.js';
import { MmioBus } from './mmio-bus.js';
import { SerialInput, type ConsoleInput } from './serial-input.js';

export const COM1_PORT = 0x3f8;
export const COM1_PORTS = 8;

export interface BarePlatformOptions {
  logger: Logger;
  /** The UART's output. */
  consoleOut: (bytes: Uint8Array) => void;
  /** The debug console's output; shares consoleOut when absent. */
  debugOut?: (bytes: Uint8Array) => void;
  /** The UART's input. */
  consoleIn?: ConsoleInput;
  /** The guest wrote to the debug-exit port. */
  onDebugExit: (status: number, value: number) => void;
}

export class BarePlatform {
  readonly io: IoBus;
  readonly mmio: MmioBus;
  readonly uart: Uart16550A;
  readonly com1Irq = new IrqLine('com1 (IRQ 4)');
  private readonly serialOut: ConsoleWriter;
  private readonly debugOut: ConsoleWriter;
  private readonly serialIn: SerialInput;

  constructor(opts: BarePlatformOptions) {
    this.io = new IoBus(opts.logger);
    this.mmio = new MmioBus(opts.logger);
    this.serialOut = new ConsoleWriter(opts.consoleOut);
    this.debugOut = opts.debugOut === undefined ? this.serialOut : new ConsoleWriter(opts.debugOut);
    let input: SerialInput | undefined;
    this.uart = new Uart16550A({ sink: this.serialOut.put, irq: this.com1Irq, onRxSpace: () => input?.feed() });
    this.serialIn = input = new SerialInput(this.uart);
    if (opts.consoleIn !== undefined) this.serialIn.attach(opts.consoleIn);
    this.io.register('com1', COM1_PORT, COM1_PORTS, this.uart);
    this.io.register('debugcon', DEBUGCON_PORT, 1, new DebugConsole(this.debugOut.put));
    this.io.register('debug-exit', DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, new DebugExit(opts.onDebugExit));
  }

  /** Push buffered console output to its sinks. */
  flush(): void {
    this.serialOut.flush();
    this.debugOut.flush();
  }

  /** Flush and stop listening for input. */
  close(): void {
    this.flush();
    this.serialIn.detach();
  }
}
