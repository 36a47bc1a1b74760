/**
 * A test double for the Vcpu contract: it replays a script of exits, as a
 * real backend would report them, and records what the VMM did in between
 * (the data it completed an IN or MMIO read with, interrupts it injected).
 * The run loop and the devices under test are the real ones.
 */
import {
  ExitReason, IoDirection, type CpuidEntry, type Vcpu, type VcpuExit, type VcpuRegs, type VcpuSregs,
} from '../../src/cpu/contract.js';

export type ScriptStep =
  | { kind: 'out'; port: number; size: 1 | 2 | 4; values: number[]; retire?: number }
  | { kind: 'in'; port: number; size: 1 | 2 | 4; count?: number; retire?: number }
  | { kind: 'mmio-write'; addr: number; len: 1 | 2 | 4 | 8; bytes: number[]; retire?: number }
  | { kind: 'mmio-read'; addr: number; len: 1 | 2 | 4 | 8; retire?: number }
  | { kind: 'hlt'; interruptsEnabled: boolean; retire?: number }
  | { kind: 'shutdown'; retire?: number }
  | { kind: 'internal-error'; message: string }
  | { kind: 'irq-window' }
  /** Spins: uses the whole budget given to run() and returns Intr. */
  | { kind: 'spin' };

/** What the VMM handed back when the CPU resumed after a step. */
export interface Completion {
  step: number;
  data: number[];
}

const zeroSeg = () => ({ base: 0n, limit: 0, selector: 0, type: 0, present: false, dpl: 0, db: false, s: false, l: false, g: false, avl: false, unusable: true });

export function zeroRegs(): VcpuRegs {
  return { rax: 0n, rbx: 0n, rcx: 0n, rdx: 0n, rsi: 0n, rdi: 0n, rsp: 0n, rbp: 0n, r8: 0n, r9: 0n, r10: 0n, r11: 0n, r12: 0n, r13: 0n, r14: 0n, r15: 0n, rip: 0n, rflags: 2n };
}

export function zeroSregs(): VcpuSregs {
  return {
    cs: zeroSeg(), ds: zeroSeg(), es: zeroSeg(), fs: zeroSeg(), gs: zeroSeg(), ss: zeroSeg(), tr: zeroSeg(), ldt: zeroSeg(),
    gdt: { base: 0n, limit: 0 }, idt: { base: 0n, limit: 0 },
    cr0: 0n, cr2: 0n, cr3: 0n, cr4: 0n, cr8: 0n, efer: 0n, apicBase: 0n,
  };
}

export class ScriptedVcpu implements Vcpu {
  readonly exit: VcpuExit = {
    reason: ExitReason.Intr,
    io: { direction: IoDirection.Out, size: 1, port: 0, count: 1, data: new Uint8Array(4096) },
    mmio: { physAddr: 0, len: 1, isWrite: false, data: new Uint8Array(8) },
    internal: { message: '' },
  };
  regs = zeroRegs();
  sregs = zeroSregs();
  readonly msrs = new Map<number, bigint>();
  cpuid: readonly CpuidEntry[] = [];
  readonly completions: Completion[] = [];
  readonly injected: number[] = [];
  readonly budgets: number[] = [];
  requestInterruptWindow = false;
  readyForInterruptInjection = true;
  instructionsRetired = 0;
  private next = 0;
  private pendingCompletion: { step: number; read: () => number[] } | undefined;

  constructor(private readonly script: ScriptStep[]) {}

  get finished(): boolean {
    return this.next >= this.script.length;
  }

  run(budget: number): ExitReason {
    this.budgets.push(budget);
    if (this.pendingCompletion) {
      this.completions.push({ step: this.pendingCompletion.step, data: this.pendingCompletion.read() });
      this.pendingCompletion = undefined;
    }
    const i = this.next;
    const step = this.script[i];
    if (step === undefined) throw new Error(`script ran out after ${i} steps: the run loop should have stopped`);
    if (step.kind !== 'spin') this.next++;
    const retire = (n: number | undefined): void => {
      this.instructionsRetired += Math.min(n ?? 1, budget);
    };
    const e = this.exit;
    switch (step.kind) {
      case 'out':
        retire(step.retire);
        e.io.direction = IoDirection.Out;
        e.io.port = step.port;
        e.io.size = step.size;
        e.io.count = step.values.length;
        step.values.forEach((v, k) => {
          for (let b = 0; b < step.size; b++) e.io.data[k * step.size + b] = (v >>> (8 * b)) & 0xff;
        });
        return (e.reason = ExitReason.Io);
      case 'in': {
        retire(step.retire);
        const count = step.count ?? 1;
        e.io.direction = IoDirection.In;
        e.io.port = step.port;
        e.io.size = step.size;
        e.io.count = count;
        e.io.data.fill(0xcc, 0, step.size * count);
        this.pendingCompletion = {
          step: i,
          read: () => Array.from({ length: count }, (_, k) => {
            let v = 0;
            for (let b = 0; b < step.size; b++) v |= e.io.data[k * step.size + b]! << (8 * b);
            return v >>> 0;
          }),
        };
        return (e.reason = ExitReason.Io);
      }
      case 'mmio-write':
        retire(step.retire);
        e.mmio.physAddr = step.addr;
        e.mmio.len = step.len;
        e.mmio.isWrite = true;
        e.mmio.data.set(step.bytes);
        return (e.reason = ExitReason.Mmio);
      case 'mmio-read':
        retire(step.retire);
        e.mmio.physAddr = step.addr;
        e.mmio.len = step.len;
        e.mmio.isWrite = false;
        e.mmio.data.fill(0xcc);
        this.pendingCompletion = { step: i, read: () => Array.from(e.mmio.data.subarray(0, step.len)) };
        return (e.reason = ExitReason.Mmio);
      case 'hlt':
        retire(step.retire);
        this.regs.rflags = step.interruptsEnabled ? 0x202n : 0x2n;
        return (e.reason = ExitReason.Hlt);
      case 'shutdown':
        retire(step.retire);
        return (e.reason = ExitReason.Shutdown);
      case 'internal-error':
        e.internal.message = step.message;
        return (e.reason = ExitReason.InternalError);
      case 'irq-window':
        return (e.reason = ExitReason.IrqWindowOpen);
      case 'spin':
        this.instructionsRetired += budget;
        return (e.reason = ExitReason.Intr);
    }
  }

  getRegs(): VcpuRegs {
    return { ...this.regs };
  }
  setRegs(regs: VcpuRegs): void {
    this.regs = { ...regs };
  }
  getSregs(): VcpuSregs {
    return structuredClone(this.sregs);
  }
  setSregs(sregs: VcpuSregs): void {
    this.sregs = structuredClone(sregs);
  }
  getMsr(index: number): bigint {
    const v = this.msrs.get(index);
    if (v === undefined) throw new RangeError(`MSR 0x${index.toString(16)}`);
    return v;
  }
  setMsr(index: number, value: bigint): void {
    this.msrs.set(index, value);
  }
  setCpuid(entries: readonly CpuidEntry[]): void {
    this.cpuid = entries;
  }
  interrupt(vector: number): void {
    this.injected.push(vector);
  }
  nmi(): void {
    this.injected.push(-2);
  }
}
