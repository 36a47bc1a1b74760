import { createWriteStream } from 'node:fs';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Write JSON lines to this file instead of stderr. */
  file?: string;
  /** Force the human-readable form (default: when stderr is a terminal). */
  pretty?: boolean;
}

/**
 * Logs go to stderr (or a file), never to stdout: stdout belongs to the
 * guest's console. On a terminal the log is human-readable; otherwise it is
 * JSON, one object a line, for tools.
 */
export function createLogger(opts: LoggerOptions): Logger {
  if (opts.file !== undefined) {
    return pino({ level: opts.level }, createWriteStream(opts.file, { flags: 'a' }));
  }
  const human = opts.pretty ?? process.stderr.isTTY === true;
  if (human) {
    return pino({ level: opts.level }, pretty({ destination: 2, sync: true, colorize: true }));
  }
  return pino({ level: opts.level }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything: for library use and unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
