/**
 * Process exit statuses of `xenner run`. Our own statuses are even so that
 * they never collide with the odd statuses of the debug-exit port, which
 * follow QEMU's isa-debug-exit: writing V to port 0xf4 exits with
 * `(V << 1) | 1` (truncated to 8 bits by the operating system).
 */
export const ExitStatus = {
  /** The guest powered off (SCHEDOP_shutdown/SHUTDOWN_poweroff, ACPI off). */
  Poweroff: 0,
  /** Usage error: bad option, missing file, malformed or unsupported image. */
  UsageError: 2,
  /** The guest asked for a reboot (SHUTDOWN_reboot, keyboard-controller reset). */
  Reboot: 4,
  /** The guest crashed: SHUTDOWN_crash, or emu/host crashed it for a fatal fault. */
  Crash: 6,
  /** The virtual CPU triple-faulted (or an unrecoverable CPU error). */
  TripleFault: 8,
  /**
   * The instruction budget given by --max-instructions ran out, or the guest
   * hung for sure (halted with interrupts disabled, or waiting for an
   * interrupt on a machine that has nothing to send one).
   */
  BudgetExhausted: 10,
  /** The guest suspended (SHUTDOWN_suspend) and nothing was there to save it. */
  Suspend: 12,
  /** The guest's watchdog fired (SHUTDOWN_watchdog). */
  Watchdog: 14,
  /** xenner itself failed: a bug. The log has the details. */
  InternalError: 70,
} as const;

export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];

/** Exit status for a value written to the debug-exit port (QEMU isa-debug-exit). */
export function debugExitStatus(value: number): number {
  return ((value << 1) | 1) & 0xff;
}

/** The table printed by `xenner --help` and copied into the README. */
export const EXIT_STATUS_HELP = `Exit status of 'xenner run':
  0    the guest powered off
  2    usage error, missing file, or a malformed or unsupported kernel image
  4    the guest asked to reboot
  6    the guest crashed (SHUTDOWN_crash, or crashed by xenner for a fatal fault)
  8    triple fault
  10   --max-instructions budget exhausted, or the guest hung (halted for good)
  12   the guest suspended with nowhere to save it
  14   the guest's watchdog fired
  70   internal error in xenner (a bug: see the log)
  odd  (V << 1) | 1 for a value V written to the debug-exit port 0xf4`;
