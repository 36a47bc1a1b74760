/**
 * Writes the NASM include files generated from the TypeScript ABI
 * definitions (src/abi/nasm-units.ts) into src/abi/nasm/<arch>/.
 * Usage: npm run gen:abi        (write)
 *        npm run gen:abi -- --check   (exit 1 if any file is stale)
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './repo-root.js';
import { fileURLToPath } from 'node:url';
import { GUEST_ARCHES, renderNasm } from '../src/abi/layout.js';
import { NASM_UNITS } from '../src/abi/nasm-units.js';

export const NASM_ABI_DIR = join(repoRoot(), 'src', 'abi', 'nasm');

/** Every generated file with the text it must have. */
export function expectedNasmFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const arch of GUEST_ARCHES) {
    for (const unit of NASM_UNITS) files.set(join(NASM_ABI_DIR, arch, unit.file), renderNasm(unit, arch));
  }
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of expectedNasmFiles()) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === text) continue;
    if (check) {
      console.error(`stale: ${path}`);
      stale++;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.error(`wrote ${path}`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
