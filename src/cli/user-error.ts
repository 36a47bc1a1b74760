/**
 * An error caused by what the user gave us (a bad option, a missing file, a
 * malformed kernel image). The CLI prints its message as one line and exits
 * with {@link ExitStatus.UsageError}; it never prints a stack trace.
 *
 * Loaders and parsers throw subclasses of this so that the CLI, and the
 * fuzz tests, can tell "the input is bad" from "xenner has a bug".
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A kernel image that cannot be loaded: truncated, garbage, contradictory. */
export class BadImageError extends UserError {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'BadImageError';
  }
}
