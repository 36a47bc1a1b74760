/**
 * The PV console backend (what xenconsoled does for a domU): drains the
 * guest's output ring (xencons_interface.out) to a sink in order and feeds
 * input into the in ring. It drains whenever the guest notifies it and
 * whenever the run loop polls it, with or without anyone reading the sink,
 * so a guest that waits for its output ring to empty never hangs.
 *
 * Ring indices are free-running u32 counters written by the guest: a
 * producer more than a ring ahead of the consumer is garbage, and the
 * backend ignores the ring until the guest repairs it (as xenconsoled does).
 */
import type { GuestArch } from '../../abi/layout.js';
import { XENCONS_IN_SIZE, XENCONS_OUT_SIZE, xenconsInterface } from '../../abi/xen/console.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { Logger } from '../../log/logger.js';
import { layoutOf } from '../common/struct-view.js';
import type { BackendEndpoint } from '../evtchn/event-channels.js';

/** Where guest console bytes go. */
export type ConsoleSink = (bytes: Uint8Array) => void;

export interface ConsoleChannel {
  /** Tell the guest the rings moved (raise its console event channel). */
  notifyGuest(): void;
}

export class ConsoleBackend implements BackendEndpoint {
  readonly name = 'console';
  private readonly off: { in: number; out: number; inCons: number; inProd: number; outCons: number; outProd: number };
  private readonly input: number[] = [];
  private brokenLogged = false;
  channel: ConsoleChannel | undefined;
  /** Total bytes taken from the output ring. */
  bytesOut = 0;

  constructor(
    private readonly mem: GuestMemory,
    arch: GuestArch,
    private readonly ringAddr: number,
    private readonly sink: ConsoleSink | undefined,
    private readonly log: Logger,
  ) {
    const l = layoutOf(xenconsInterface, arch);
    mem.check(ringAddr, l.size);
    this.off = {
      in: l.offset('in'),
      out: l.offset('out'),
      inCons: l.offset('in_cons'),
      inProd: l.offset('in_prod'),
      outCons: l.offset('out_cons'),
      outProd: l.offset('out_prod'),
    };
  }

  onGuestSend(): void {
    this.service();
  }

  /** Queue bytes for the guest's input ring. */
  pushInput(bytes: Uint8Array): void {
    for (const b of bytes) this.input.push(b);
    this.service();
  }

  /** Bytes queued for the guest that are not in its ring yet (CONSOLEIO_read takes from here too). */
  takeInput(max: number): Uint8Array {
    return Uint8Array.from(this.input.splice(0, Math.max(0, max)));
  }

  /** Drain output and feed input; notify the guest if either ring moved. */
  service(): void {
    const drained = this.drainOutput();
    const filled = this.fillInput();
    if (drained || filled) this.channel?.notifyGuest();
  }

  private broken(what: string, cons: number, prod: number): void {
    if (this.brokenLogged) return;
    this.brokenLogged = true;
    this.log.warn({ cons, prod }, `console ${what} ring indices are inconsistent; ignoring the ring until the guest fixes them`);
  }

  private drainOutput(): boolean {
    const base = this.ringAddr;
    const cons = this.mem.read32(base + this.off.outCons);
    const prod = this.mem.read32(base + this.off.outProd);
    const size = (prod - cons) >>> 0;
    if (size === 0) return false;
    if (size > XENCONS_OUT_SIZE) {
      this.broken('output', cons, prod);
      return false;
    }
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = this.mem.read8(base + this.off.out + ((cons + i) & (XENCONS_OUT_SIZE - 1)));
    this.mem.write32(base + this.off.outCons, prod);
    this.bytesOut += size;
    this.sink?.(bytes);
    return true;
  }

  private fillInput(): boolean {
    if (this.input.length === 0) return false;
    const base = this.ringAddr;
    const cons = this.mem.read32(base + this.off.inCons);
    const prod = this.mem.read32(base + this.off.inProd);
    const used = (prod - cons) >>> 0;
    if (used > XENCONS_IN_SIZE) {
      this.broken('input', cons, prod);
      return false;
    }
    const n = Math.min(XENCONS_IN_SIZE - used, this.input.length);
    if (n === 0) return false;
    for (let i = 0; i < n; i++) this.mem.write8(base + this.off.in + ((prod + i) & (XENCONS_IN_SIZE - 1)), this.input[i]!);
    this.input.splice(0, n);
    this.mem.write32(base + this.off.inProd, (prod + n) >>> 0);
    return true;
  }
}
