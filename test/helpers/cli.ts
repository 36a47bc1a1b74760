import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../tools/repo-root.js';

export const ROOT = repoRoot();
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run the built xenner CLI (npm test builds it first) as a user would. */
export function xenner(args: string[], opts: { input?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
