/**
 * How the run loop drives a PV domain's one vCPU: the domain's time passes
 * between slices (timers fire, rings are serviced), a blocked vCPU skips
 * ahead to its next timer, and the host's event kick becomes an interrupt
 * on EMU_EVENT_VECTOR, taken when emu lets the guest run with interrupts on.
 */
import { EMU_EVENT_VECTOR } from '../../abi/emu-port.js';
import { ExitStatus } from '../../cli/exit-status.js';
import type { Domain } from '../../host/domain/domain.js';
import { nsToTsc } from '../../host/time/clock.js';
import type { InterruptController } from '../interrupt-controller.js';
import type { MachineResult } from '../machine.js';
import type { RunLoopScheduler } from '../run-loop.js';
import type { VcpuClock } from './vcpu-clock.js';

/** The event kick: one pending flag, as a level-triggered line would be. */
export class EventKick implements InterruptController {
  private pending = false;

  kick(): void {
    this.pending = true;
  }
  hasPending(): boolean {
    return this.pending;
  }
  acknowledge(): number {
    this.pending = false;
    return EMU_EVENT_VECTOR;
  }
  waitForInterrupt(): Promise<void> {
    return Promise.resolve();
  }
}

export class PvScheduler implements RunLoopScheduler {
  private hung: MachineResult | undefined;
  private inputArrived: (() => void) | undefined;

  constructor(
    private readonly domain: Domain,
    private readonly clock: VcpuClock,
    private readonly vcpu: number,
    /** Console input can still arrive (stdin is open). */
    private readonly hasInput: () => boolean,
  ) {}

  /** Console input arrived: a vCPU blocked on it may run. */
  wakeForInput(): void {
    this.inputArrived?.();
  }

  beforeSlice(): void {
    this.domain.tick();
  }

  result(): MachineResult | undefined {
    const d = this.domain;
    if (d.end !== undefined) return { status: d.exitStatus!, reason: d.end.description };
    return this.hung;
  }

  runnable(): boolean {
    return this.domain.isRunnable(this.vcpu);
  }

  /**
   * The vCPU is blocked. With no console input to wait for, guest time
   * skips to the next timer at once (runs are fast and deterministic).
   * While input can still arrive (an open stdin), idle time passes in real
   * time instead, so what the user types reaches a guest that waits on a
   * timer as well as on its console.
   */
  async waitRunnable(): Promise<void> {
    const deadline = this.domain.nextDeadline();
    if (!this.hasInput()) {
      if (deadline === undefined) {
        this.hung = { status: ExitStatus.BudgetExhausted, reason: 'the guest blocked with no timer armed and no console input to wait for (hung)' };
        return;
      }
      this.clock.advanceTo(nsToTsc(this.clock, deadline));
      this.domain.tick();
      return;
    }
    const start = process.hrtime.bigint();
    const now = this.domain.now();
    await new Promise<void>((resolve) => {
      const timer = deadline === undefined ? undefined : setTimeout(resolve, Math.max(0, Number((deadline - now) / 1_000_000n)));
      this.inputArrived = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
    });
    this.inputArrived = undefined;
    const elapsed = process.hrtime.bigint() - start;
    const target = deadline === undefined || now + elapsed < deadline ? now + elapsed : deadline;
    this.clock.advanceTo(nsToTsc(this.clock, target));
    this.domain.tick();
  }

  sliceLimit(): number | undefined {
    const deadline = this.domain.nextDeadline();
    if (deadline === undefined) return undefined;
    const ticks = nsToTsc(this.clock, deadline) - this.clock.tsc();
    return ticks <= 0n ? 1 : ticks > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(ticks);
  }
}
