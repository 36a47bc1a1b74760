import { InvalidArgumentError } from 'commander';
import { LOG_LEVELS } from '../log/logger.js';
import type { LevelWithSilent } from 'pino';

/** A positive integer option value (commander argParser). */
export function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`${name} must be a positive integer`);
    const n = Number(value);
    if (n < 1 || n > max) throw new InvalidArgumentError(`${name} must be between 1 and ${max}`);
    return n;
  };
}

/**
 * Memory size in MiB, as xl's `memory=` takes it; a suffix M, G is accepted
 * as QEMU's -m does (`512`, `512M`, `1G`).
 */
export function memoryMiB(value: string): number {
  const m = /^([0-9]+)([MmGg])?$/.exec(value);
  if (!m) throw new InvalidArgumentError('memory must be MiB, like 256, 512M or 2G');
  const n = Number(m[1]) * (m[2] === 'G' || m[2] === 'g' ? 1024 : 1);
  if (n < 4 || n > 4096) throw new InvalidArgumentError('memory must be between 4 MiB and 4096 MiB');
  return n;
}

export function logLevel(value: string): LevelWithSilent {
  const v = value.toLowerCase() as LevelWithSilent;
  if (!LOG_LEVELS.includes(v)) throw new InvalidArgumentError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  return v;
}
