/**
 * The run loop: drives one Vcpu (any backend) and turns its exits into
 * device accesses and machine events, as a KVM-based VMM's vCPU thread does.
 *
 *   Io       -> the port bus; an IN is completed by filling exit.io.data
 *               before the next run(), which finishes the instruction (KVM)
 *   Mmio     -> the MMIO bus, completed the same way
 *   Hlt      -> with RFLAGS.IF clear the guest can never wake: it has hung,
 *               and the machine ends; otherwise wait for an interrupt
 *   Shutdown -> triple fault: the machine ends with status 8
 *   Intr     -> the slice's budget is spent: check --max-instructions
 *               (status 10) and let the event loop breathe
 *
 * Devices end the machine through stop() (the debug-exit port does).
 */
import { ExitStatus } from '../cli/exit-status.js';
import { ExitReason, IoDirection, type Vcpu } from '../cpu/contract.js';
import type { Logger } from '../log/logger.js';
import type { InterruptController } from './interrupt-controller.js';
import type { IoBus } from './io-bus.js';
import type { MachineResult } from './machine.js';
import type { MmioBus } from './mmio-bus.js';

const RFLAGS_IF = 1n << 9n;
/** Instructions per run() call: small enough to keep stdin and timers responsive. */
export const DEFAULT_SLICE = 250_000;
/**
 * Exits handled between two visits to the event loop. A guest polling a
 * device exits on every `in` and never spends a whole slice, yet its input
 * (stdin) only arrives when the event loop runs.
 */
export const EXITS_PER_YIELD = 4096;

/**
 * For machines whose vCPU can block (a PV guest in SCHEDOP_block or
 * SCHEDOP_poll) and whose host services keep time: the loop asks before
 * every slice.
 */
export interface RunLoopScheduler {
  /** Let time pass up to now: due timers fire, rings are serviced. */
  beforeSlice(): void;
  /** Set when the machine ended outside the vCPU (the domain shut down). */
  result(): MachineResult | undefined;
  /** False while the vCPU is blocked. */
  runnable(): boolean;
  /** Resolves when the vCPU may be runnable again (or the machine ended). */
  waitRunnable(): Promise<void>;
  /** The most instructions to run before something is due (undefined: no limit). */
  sliceLimit(): number | undefined;
}

export interface RunLoopOptions {
  vcpu: Vcpu;
  io: IoBus;
  mmio: MmioBus;
  logger: Logger;
  /** End the guest (status 10) once it has retired this many instructions. */
  maxInstructions?: number;
  interrupts?: InterruptController;
  sliceInstructions?: number;
  /** Called whenever the loop yields to the event loop and when it ends (flush consoles). */
  onYield?: () => void;
  scheduler?: RunLoopScheduler;
}

export class RunLoop {
  private result: MachineResult | undefined;
  private readonly slice: number;
  private exitsSinceYield = 0;

  constructor(private readonly opts: RunLoopOptions) {
    this.slice = opts.sliceInstructions ?? DEFAULT_SLICE;
  }

  /** End the machine after the current exit is handled. The first stop wins. */
  stop(result: MachineResult): void {
    this.result ??= result;
  }

  get stopped(): boolean {
    return this.result !== undefined;
  }

  async run(): Promise<MachineResult> {
    const { vcpu, logger } = this.opts;
    const start = vcpu.instructionsRetired;
    const max = this.opts.maxInstructions;
    const sched = this.opts.scheduler;
    while (this.result === undefined) {
      if (sched !== undefined) {
        sched.beforeSlice();
        const ended = sched.result();
        if (ended !== undefined) {
          this.stop(ended);
          break;
        }
        if (!sched.runnable()) {
          this.opts.onYield?.();
          await sched.waitRunnable();
          continue;
        }
      }
      this.injectInterrupt();
      let budget = this.slice;
      const limit = sched?.sliceLimit();
      if (limit !== undefined) budget = Math.max(1, Math.min(budget, limit));
      if (max !== undefined) {
        const left = max - (vcpu.instructionsRetired - start);
        if (left <= 0) {
          this.stop({ status: ExitStatus.BudgetExhausted, reason: `instruction budget of ${max} exhausted (--max-instructions)` });
          break;
        }
        budget = Math.min(budget, left);
      }
      const reason = vcpu.run(budget);
      switch (reason) {
        case ExitReason.Io:
          this.handleIo();
          break;
        case ExitReason.Mmio:
          this.handleMmio();
          break;
        case ExitReason.Hlt:
          await this.handleHlt();
          break;
        case ExitReason.Shutdown:
          this.stop({ status: ExitStatus.TripleFault, reason: 'triple fault (shutdown)' });
          break;
        case ExitReason.InternalError:
          this.stop({ status: ExitStatus.InternalError, reason: `CPU internal error: ${vcpu.exit.internal.message}` });
          break;
        case ExitReason.IrqWindowOpen:
          // injectInterrupt() at the top of the loop takes it from here.
          vcpu.requestInterruptWindow = false;
          break;
        case ExitReason.Intr:
          await this.yieldToEventLoop();
          break;
        case ExitReason.Debug:
          logger.warn({ rip: vcpu.getRegs().rip.toString(16) }, 'unexpected debug exit ignored');
          break;
        default: {
          const unknown: never = reason;
          this.stop({ status: ExitStatus.InternalError, reason: `unknown exit reason ${String(unknown)}` });
        }
      }
      if (++this.exitsSinceYield >= EXITS_PER_YIELD && this.result === undefined) await this.yieldToEventLoop();
    }
    this.opts.onYield?.();
    logger.debug({ instructions: vcpu.instructionsRetired - start, ...this.result }, 'run loop ended');
    return this.result!;
  }

  private yieldToEventLoop(): Promise<void> {
    this.exitsSinceYield = 0;
    this.opts.onYield?.();
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** KVM's injection protocol: inject when the CPU can take it, else ask for a window. */
  private injectInterrupt(): void {
    const pic = this.opts.interrupts;
    if (pic === undefined || !pic.hasPending()) return;
    const { vcpu } = this.opts;
    if (vcpu.readyForInterruptInjection) {
      vcpu.interrupt(pic.acknowledge());
      vcpu.requestInterruptWindow = false;
    } else {
      vcpu.requestInterruptWindow = true;
    }
  }

  private handleIo(): void {
    const io = this.opts.io;
    const exit = this.opts.vcpu.exit;
    const { size, port, count, data } = exit.io;
    if ((size !== 1 && size !== 2 && size !== 4) || count < 1 || size * count > data.length) {
      this.stop({ status: ExitStatus.InternalError, reason: `CPU reported a malformed I/O exit (port 0x${port.toString(16)}, size ${size}, count ${count})` });
      return;
    }
    for (let i = 0, o = 0; i < count; i++, o += size) {
      if (exit.io.direction === IoDirection.Out) {
        let v = data[o]!;
        if (size > 1) v |= data[o + 1]! << 8;
        if (size > 2) v = (v | (data[o + 2]! << 16) | (data[o + 3]! << 24)) >>> 0;
        io.write(port, size, v);
        if (this.result !== undefined) return;
      } else {
        const v = io.read(port, size);
        data[o] = v & 0xff;
        if (size > 1) data[o + 1] = (v >>> 8) & 0xff;
        if (size > 2) {
          data[o + 2] = (v >>> 16) & 0xff;
          data[o + 3] = (v >>> 24) & 0xff;
        }
      }
    }
  }

  private handleMmio(): void {
    const m = this.opts.vcpu.exit.mmio;
    if ((m.len !== 1 && m.len !== 2 && m.len !== 4 && m.len !== 8) || m.data.length < m.len) {
      this.stop({ status: ExitStatus.InternalError, reason: `CPU reported a malformed MMIO exit (len ${m.len})` });
      return;
    }
    if (m.isWrite) this.opts.mmio.write(m.physAddr, m.len, m.data);
    else this.opts.mmio.read(m.physAddr, m.len, m.data);
  }

  private async handleHlt(): Promise<void> {
    const { vcpu } = this.opts;
    const regs = vcpu.getRegs();
    if ((regs.rflags & RFLAGS_IF) === 0n) {
      this.stop({
        status: ExitStatus.BudgetExhausted,
        reason: `guest halted with interrupts disabled at rip 0x${regs.rip.toString(16)}: it can never wake (hung)`,
      });
      return;
    }
    const pic = this.opts.interrupts;
    if (pic === undefined) {
      this.stop({
        status: ExitStatus.BudgetExhausted,
        reason: `guest halted at rip 0x${regs.rip.toString(16)} waiting for an interrupt, but this machine has no interrupt controller (hung)`,
      });
      return;
    }
    this.opts.onYield?.();
    while (!pic.hasPending() && this.result === undefined) await pic.waitForInterrupt();
  }
}
