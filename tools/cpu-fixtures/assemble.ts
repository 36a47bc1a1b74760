/**
 * Assembles a batch of snippets with one NASM run: each snippet sits between
 * two labels, and a table of their offsets at the end of the flat binary
 * tells where each one starts and ends. Snippets may use local labels
 * (".skip") and several instructions separated by newlines, and CODE(.label)
 * for a label's absolute address at run time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeBase, type Mode } from './layout.js';

export class AssemblyError extends Error {}

export function assembleSnippets(mode: Mode, snippets: readonly string[]): Uint8Array[] {
  if (snippets.length === 0) return [];
  const lines = [`bits ${mode}`, 'default abs'];
  snippets.forEach((s, i) => {
    // CODE(label): the offset a label of this snippet has when it runs at CODE_BASE
    lines.push(`%define CODE(l) (${codeBase(mode)} + (l) - s${i})`, `s${i}:`, s, `s${i}_end:`);
  });
  lines.push('align 4, db 0', 'table:');
  snippets.forEach((_, i) => lines.push(`dd s${i}, s${i}_end`));
  lines.push(`dd ${snippets.length}`);
  const dir = mkdtempSync(join(tmpdir(), 'xenner-snippets-'));
  try {
    const src = join(dir, 's.asm');
    const bin = join(dir, 's.bin');
    writeFileSync(src, lines.join('\n') + '\n');
    try {
      execFileSync('nasm', ['-f', 'bin', '-o', bin, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? e);
      const m = /s\.asm:(\d+):/.exec(stderr);
      const context = m ? `\n  at: ${lines[Number(m[1]) - 1]}` : '';
      throw new AssemblyError(`nasm failed (${mode}-bit): ${stderr.split('\n')[0]}${context}`);
    }
    const out = readFileSync(bin);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const n = view.getUint32(out.length - 4, true);
    if (n !== snippets.length) throw new AssemblyError('snippet table is corrupt');
    const table = out.length - 4 - 8 * n;
    const result: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const start = view.getUint32(table + 8 * i, true);
      const end = view.getUint32(table + 8 * i + 4, true);
      result.push(new Uint8Array(out.subarray(start, end)));
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
