/**
 * Regenerates the CPU instruction fixtures from the host CPU:
 *
 *   npm run fixtures:cpu [-- FAMILY...]
 *
 * writes test/cpu/fixtures/<family>.json.gz (see format.ts) and prints
 * per-family counts and timings. Needs nasm, ld and a Linux x86-64 kernel
 * that runs 32-bit programs.
 *
 *   npm run fixtures:cpu -- --qemu16|--qemu32|--qemu64 [FAMILY...]
 *
 * writes nothing: it runs each family's cases of that mode on the host CPU
 * and under QEMU (real mode for 16, CPL 0 for 32/64) and lists where they
 * disagree (see crosscheck.ts).
 *
 *   npm run fixtures:cpu -- --stats
 *
 * summarizes the committed fixtures (see stats.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';
import { encodeFixtureFile } from './format.js';
import { crossCheck } from './crosscheck.js';
import type { Mode } from './layout.js';
import { familySpecs, generateFamily, SEED } from './generate.js';
import { hostCpu } from './host.js';
import { fixtureStats } from './stats.js';
import { FAMILIES } from './families/index.js';

function crossCheckMain(mode: Mode, families: readonly string[]): number {
  const host = hostCpu();
  let total = 0;
  let bad = 0;
  for (const family of FAMILIES) {
    if (families.length && !families.includes(family.name)) continue;
    // families recorded under QEMU have nothing native to compare with
    if (family.reference) continue;
    // at CPL 0 the privileged cases would run (hlt would never return)
    const specs = familySpecs(family, mode, new Set(host.info.features)).filter((s) => mode === 16 || !s.name.includes('at CPL 3'));
    if (!specs.length) continue;
    const t = performance.now();
    const { cases, differences } = crossCheck(mode, specs);
    total += cases;
    bad += differences.length;
    process.stdout.write(`${family.name.padEnd(10)} ${String(cases).padStart(5)} cases  ${String(differences.length).padStart(4)} differ  ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    for (const d of differences.slice(0, 10)) process.stdout.write(`  ${d}\n`);
  }
  process.stdout.write(`${mode}-bit: ${total} cases, ${bad} differ between the CPU and QEMU${mode === 16 ? ' real mode' : ' at CPL 0'}\n`);
  return 0;
}

function main(argv: string[]): number {
  const qemu = /^--qemu(16|32|64)$/.exec(argv[0] ?? '');
  if (qemu) return crossCheckMain(Number(qemu[1]) as Mode, argv.slice(1));
  if (argv[0] === '--stats') {
    process.stdout.write(fixtureStats(join(repoRoot(), 'test', 'cpu', 'fixtures')));
    return 0;
  }
  const wanted = argv.length ? new Set(argv) : undefined;
  const unknown = [...(wanted ?? [])].filter((n) => !FAMILIES.some((f) => f.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown family: ${unknown.join(', ')} (have: ${FAMILIES.map((f) => f.name).join(', ')})\n`);
    return 2;
  }
  const host = hostCpu();
  const dir = join(repoRoot(), 'test', 'cpu', 'fixtures');
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`host: ${host.info.cpu} (family ${host.info.family} model ${host.info.model} stepping ${host.info.stepping})\n`);
  let total = 0;
  let bytes = 0;
  const t0 = performance.now();
  for (const family of FAMILIES) {
    if (wanted && !wanted.has(family.name)) continue;
    const t = performance.now();
    const { file, counts, skipped } = generateFamily(family, host, SEED);
    const gz = encodeFixtureFile(file);
    writeFileSync(join(dir, `${family.name}.json.gz`), gz);
    const faults = file.cases.filter((c) => c.exc !== undefined).length;
    total += file.cases.length;
    bytes += gz.length;
    process.stdout.write(
      `${family.name.padEnd(10)} 64-bit ${String(counts[64]).padStart(5)}  32-bit ${String(counts[32]).padStart(5)}  16-bit ${String(counts[16]).padStart(5)}  ` +
        `faults ${String(faults).padStart(4)}  ${(gz.length / 1024).toFixed(0).padStart(5)} KiB  ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
    );
    for (const s of skipped) process.stdout.write(`  skipped ${s}\n`);
  }
  process.stdout.write(`total ${total} cases, ${(bytes / 1024).toFixed(0)} KiB, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
