/**
 * What the run loop needs from an interrupt controller (a PIC, later an
 * APIC): whether an interrupt is pending, the INTA cycle that yields its
 * vector, and a way to sleep until one may be pending. The bare machine has
 * none; the HVM machine plugs its PIC in here.
 */
export interface InterruptController {
  hasPending(): boolean;
  /** The interrupt acknowledge cycle: the vector to deliver, now in service. */
  acknowledge(): number;
  /** Resolves when an interrupt may have become pending (the CPU is halted). */
  waitForInterrupt(): Promise<void>;
}
