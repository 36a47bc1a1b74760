/** How a domain's end maps to the CLI's exit status and log line. */
import { ShutdownReason } from '../../abi/xen/sched.js';
import { ExitStatus } from '../../cli/exit-status.js';

export interface DomainEnd {
  /** SHUTDOWN_* reason, or undefined when the host crashed the domain itself. */
  readonly reason: ShutdownReason;
  /** The code latched by SCHEDOP_shutdown_code (0 when none). */
  readonly code: number;
  /** Human-readable, for the log. */
  readonly description: string;
}

const NAMES: Record<ShutdownReason, string> = {
  [ShutdownReason.poweroff]: 'poweroff',
  [ShutdownReason.reboot]: 'reboot',
  [ShutdownReason.suspend]: 'suspend',
  [ShutdownReason.crash]: 'crash',
  [ShutdownReason.watchdog]: 'watchdog',
  [ShutdownReason.soft_reset]: 'soft_reset',
};

export function shutdownReasonName(reason: ShutdownReason): string {
  return NAMES[reason];
}

/** The exit status of `xenner run` for a domain that ended this way. */
export function exitStatusFor(reason: ShutdownReason): ExitStatus {
  switch (reason) {
    case ShutdownReason.poweroff:
      return ExitStatus.Poweroff;
    case ShutdownReason.reboot:
      return ExitStatus.Reboot;
    case ShutdownReason.suspend:
      return ExitStatus.Suspend;
    case ShutdownReason.crash:
      return ExitStatus.Crash;
    case ShutdownReason.watchdog:
      return ExitStatus.Watchdog;
    case ShutdownReason.soft_reset:
      // A soft reset asks the toolstack to restart the guest in place: xenner has nothing to restart with.
      return ExitStatus.Reboot;
  }
}
