/**
 * The vCPU contract: what every CPU backend (our software CPU in src/cpu, and
 * later KVM in src/accel/kvm) offers to the VMM above it. It is shaped like
 * KVM's API so that a hardware backend is a thin layer:
 *
 *   KVM_RUN            -> Vcpu.run(budget) returning an ExitReason, with the
 *                         details of the exit in Vcpu.exit (kvm_run)
 *   KVM_GET/SET_REGS   -> getRegs / setRegs   (kvm_regs)
 *   KVM_GET/SET_SREGS  -> getSregs / setSregs (kvm_sregs)
 *   KVM_GET/SET_MSRS   -> getMsr / setMsr
 *   KVM_SET_CPUID2     -> setCpuid
 *   KVM_INTERRUPT      -> interrupt(vector);  KVM_NMI -> nmi()
 *   request_interrupt_window / ready_for_interrupt_injection / if_flag
 *
 * Guest memory is one SharedArrayBuffer (src/memory/guest-memory.ts), mapped
 * at guest physical address 0 in full.
 *
 * I/O completion follows KVM: an `out` exit carries its data in
 * exit.io.data; for an `in` exit the VMM writes exit.io.data before calling
 * run() again, and the CPU completes the instruction with it. MMIO is the
 * same with exit.mmio.
 *
 * Register values are bigint at this boundary (64-bit, unsigned); this is
 * the slow path (state transfer, save/restore, debugging). Exits carry no
 * bigint and allocate nothing.
 */

/** Why run() returned. Values are KVM's KVM_EXIT_* numbers. */
export const ExitReason = {
  /** Port I/O: see Vcpu.exit.io. */
  Io: 2,
  /** A debug event the VMM asked for (single step, breakpoint). */
  Debug: 4,
  /** The guest executed HLT with interrupts that could wake it. */
  Hlt: 5,
  /** An access to guest-physical space that is not RAM: see Vcpu.exit.mmio. */
  Mmio: 6,
  /** request_interrupt_window was set and the guest can now take an interrupt. */
  IrqWindowOpen: 7,
  /** Triple fault (or a shutdown cycle): the machine resets or stops. */
  Shutdown: 8,
  /** The instruction budget given to run() is used up (KVM: a signal, EINTR). */
  Intr: 10,
  /** The CPU cannot continue; Vcpu.exit.internal says why. */
  InternalError: 17,
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

export const IoDirection = { In: 0, Out: 1 } as const;
export type IoDirection = (typeof IoDirection)[keyof typeof IoDirection];

/** kvm_run: filled in place by run(); never reallocated. */
export interface VcpuExit {
  reason: ExitReason;
  io: {
    direction: IoDirection;
    /** 1, 2 or 4 */
    size: number;
    port: number;
    /** Repetitions for string I/O (ins/outs with rep); data holds size*count bytes. */
    count: number;
    /** At least 4096 bytes; the first size*count are meaningful. */
    data: Uint8Array;
  };
  mmio: {
    /** Guest physical address (a safe integer, below 2^52). */
    physAddr: number;
    /** 1, 2, 4 or 8 */
    len: number;
    isWrite: boolean;
    data: Uint8Array;
  };
  internal: {
    /** A human-readable reason, for the log. */
    message: string;
  };
}

/** kvm_regs */
export interface VcpuRegs {
  rax: bigint; rbx: bigint; rcx: bigint; rdx: bigint;
  rsi: bigint; rdi: bigint; rsp: bigint; rbp: bigint;
  r8: bigint; r9: bigint; r10: bigint; r11: bigint;
  r12: bigint; r13: bigint; r14: bigint; r15: bigint;
  rip: bigint; rflags: bigint;
}

/** kvm_segment: the hidden (cached) part of a segment register too. */
export interface VcpuSegment {
  base: bigint;
  limit: number;
  selector: number;
  /** Descriptor type field (4 bits). */
  type: number;
  present: boolean;
  dpl: number;
  /** D/B bit */
  db: boolean;
  /** S bit: code/data (true) or system (false) */
  s: boolean;
  /** L bit: 64-bit code segment */
  l: boolean;
  /** G bit: limit in 4 KiB units (already applied to `limit`) */
  g: boolean;
  avl: boolean;
  unusable: boolean;
}

/** kvm_dtable */
export interface VcpuDtable {
  base: bigint;
  limit: number;
}

/** kvm_sregs */
export interface VcpuSregs {
  cs: VcpuSegment; ds: VcpuSegment; es: VcpuSegment;
  fs: VcpuSegment; gs: VcpuSegment; ss: VcpuSegment;
  tr: VcpuSegment; ldt: VcpuSegment;
  gdt: VcpuDtable; idt: VcpuDtable;
  cr0: bigint; cr2: bigint; cr3: bigint; cr4: bigint; cr8: bigint;
  efer: bigint;
  apicBase: bigint;
}

/** kvm_cpuid_entry2 */
export interface CpuidEntry {
  function: number;
  index: number;
  /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1) when `index` selects the entry. */
  flags: number;
  eax: number; ebx: number; ecx: number; edx: number;
}

export const CPUID_FLAG_SIGNIFICANT_INDEX = 1;

export interface Vcpu {
  /** Details of the last exit (kvm_run); updated in place. */
  readonly exit: VcpuExit;

  /**
   * Run until an exit or until `budget` instructions have retired
   * (ExitReason.Intr). Never throws for anything the guest does: guest faults
   * become guest exceptions, and what the CPU cannot continue from becomes
   * ExitReason.Shutdown or ExitReason.InternalError.
   */
  run(budget: number): ExitReason;

  getRegs(): VcpuRegs;
  setRegs(regs: VcpuRegs): void;
  getSregs(): VcpuSregs;
  setSregs(sregs: VcpuSregs): void;
  /** Throws RangeError for an MSR the CPU does not implement. */
  getMsr(index: number): bigint;
  setMsr(index: number, value: bigint): void;
  setCpuid(entries: readonly CpuidEntry[]): void;

  /** Queue an external interrupt; valid when readyForInterruptInjection. */
  interrupt(vector: number): void;
  nmi(): void;
  /** Ask run() to return IrqWindowOpen as soon as the guest can take an interrupt. */
  requestInterruptWindow: boolean;
  /** RFLAGS.IF set and no interrupt shadow: interrupt() would be taken now. */
  readonly readyForInterruptInjection: boolean;

  /** Instructions retired since creation (benchmarks, budgets, tracing). */
  readonly instructionsRetired: number;
}
