/**
 * Assembles every guest-side binary (emu, hypercall pages, test guests) with
 * NASM. The assembled files are committed, so `npm install` needs no
 * assembler; CI runs this and fails when the output differs from the commit.
 *
 * A NASM source declares what it builds with directive comments at the top,
 * one artifact a line (one source may build several, e.g. a pv64 and a
 * pv32 variant of one test):
 *
 *   ;! build out=hello-pv64.elf arch=x86_64 format=elf64 link=pv.ld define=FOO=1
 *   ;! build out=emu64.bin arch=x86_64 format=bin
 *
 * out     file name, written beside the source
 * arch    x86_64 or x86_32: selects src/abi/nasm/<arch> as an include path
 * format  nasm's -f; with link=SCRIPT the object is linked by ld with that
 *         linker script (path relative to the source) into `out`
 * define  -D for nasm (repeatable)
 *
 * Usage: npm run build:guest [-- FILTER]   (FILTER: a substring of the path)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './repo-root.js';

export interface GuestBuild {
  source: string;
  out: string;
  arch: 'x86_64' | 'x86_32';
  format: string;
  link?: string;
  defines: string[];
}

const SEARCH_DIRS = ['src', 'guests', 'bench'];

function walk(dir: string, found: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, found);
    else if (name.endsWith('.asm')) found.push(p);
  }
}

export function parseBuildDirectives(source: string, text: string): GuestBuild[] {
  const builds: GuestBuild[] = [];
  for (const line of text.split('\n')) {
    const m = /^;!\s*build\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const b: GuestBuild = { source, out: '', arch: 'x86_64', format: 'bin', defines: [] };
    for (const kv of m[1]!.trim().split(/\s+/)) {
      const eq = kv.indexOf('=');
      const key = eq < 0 ? kv : kv.slice(0, eq);
      const value = eq < 0 ? '' : kv.slice(eq + 1);
      switch (key) {
        case 'out': b.out = value; break;
        case 'arch':
          if (value !== 'x86_64' && value !== 'x86_32') throw new Error(`${source}: bad arch ${value}`);
          b.arch = value;
          break;
        case 'format': b.format = value; break;
        case 'link': b.link = value; break;
        case 'define': b.defines.push(value); break;
        default: throw new Error(`${source}: unknown build key ${key}`);
      }
    }
    if (b.out === '') throw new Error(`${source}: build line without out=`);
    builds.push(b);
  }
  return builds;
}

export function findGuestBuilds(root = repoRoot()): GuestBuild[] {
  const sources: string[] = [];
  for (const d of SEARCH_DIRS) {
    try {
      walk(join(root, d), sources);
    } catch {
      /* folder absent */
    }
  }
  sources.sort();
  return sources.flatMap((s) => parseBuildDirectives(s, readFileSync(s, 'utf8')));
}

/**
 * NASM and ld run from the repository root with relative paths: an ELF
 * object records its source file's name, and the committed binaries must be
 * the same bytes whatever folder the repository is cloned into.
 */
export function buildOne(b: GuestBuild, root = repoRoot()): string {
  const dir = relative(root, dirname(b.source));
  const source = relative(root, b.source);
  const out = join(dir, b.out);
  const includes = [`-I${join('src', 'abi', 'nasm', b.arch)}/`, `-I${dir}/`, `-I${join('guests', 'lib')}/`];
  const defines = b.defines.map((d) => `-D${d}`);
  const run = { stdio: 'inherit' as const, cwd: root };
  if (b.link === undefined) {
    execFileSync('nasm', ['-f', b.format, ...includes, ...defines, '-o', out, source], run);
    return join(root, out);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'xenner-nasm-'));
  try {
    const obj = join(tmp, 'out.o');
    execFileSync('nasm', ['-f', b.format, ...includes, ...defines, '-o', obj, source], run);
    const emulation = b.arch === 'x86_64' ? 'elf_x86_64' : 'elf_i386';
    execFileSync('ld', ['-m', emulation, '-nostdlib', '--build-id=none', '-T', join(dir, b.link), '-o', out, obj], run);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return join(root, out);
}

function main(): void {
  const root = repoRoot();
  const filter = process.argv[2];
  const builds = findGuestBuilds(root).filter((b) => filter === undefined || b.source.includes(filter));
  for (const b of builds) {
    const out = buildOne(b, root);
    console.error(`nasm ${relative(root, b.source)} -> ${relative(root, out)}`);
  }
  console.error(`${builds.length} guest binaries built`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
