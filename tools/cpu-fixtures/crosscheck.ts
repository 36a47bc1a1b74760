/**
 * Runs a family's cases on the host CPU and under QEMU and compares
 * registers, flags outside the undefined mask, memory, and exception vectors.
 *
 * 16-bit: the host CPU runs them in 16-bit protected mode, QEMU in real mode;
 * agreement shows the fixtures can be replayed in real mode. 32/64-bit: QEMU
 * runs them at CPL 0 with other selectors, so privileged instructions,
 * segment values and far transfers differ by design; the rest is a second
 * opinion on the fixtures. Where QEMU and the CPU differ, the CPU wins.
 */
import { assembleSnippets } from './assemble.js';
import { gprsOf, type Mode } from './layout.js';
import type { NativeResult } from './native.js';
import { runNative } from './native.js';
import { runQemu } from './qemu.js';
import type { CaseSpec } from './spec.js';

export interface CrossCheck {
  cases: number;
  differences: string[];
}

function differs(mode: Mode, spec: CaseSpec, cpu: NativeResult, qemu: NativeResult): string | undefined {
  const label = `${spec.name}: ${spec.asm.replace(/\n/g, '; ')}`;
  if (cpu.exc !== undefined || qemu.exc !== undefined) {
    // an exception under QEMU also writes its frame to the stack: compare vectors only
    return cpu.exc === qemu.exc ? undefined : `${label}: exception ${cpu.exc ?? 'none'} on the CPU, ${qemu.exc ?? 'none'} under QEMU`;
  }
  for (const g of gprsOf(mode)) {
    if (spec.undefRegs.includes(g)) continue;
    if (cpu.regs[g] !== qemu.regs[g]) return `${label}: ${g} 0x${cpu.regs[g].toString(16)} on the CPU, 0x${qemu.regs[g].toString(16)} under QEMU`;
  }
  const mask = ~BigInt(spec.undef);
  if ((cpu.rflags ^ qemu.rflags) & mask) return `${label}: rflags 0x${cpu.rflags.toString(16)} on the CPU, 0x${qemu.rflags.toString(16)} under QEMU`;
  const addrs = new Set([...cpu.mem.keys(), ...qemu.mem.keys()]);
  for (const a of addrs) {
    if (cpu.mem.get(a) !== qemu.mem.get(a)) return `${label}: memory at 0x${a.toString(16)} differs`;
  }
  return undefined;
}

export function crossCheck(mode: Mode, specs: CaseSpec[]): CrossCheck {
  const codes = assembleSnippets(mode, specs.map((s) => s.asm));
  const cpu = runNative(mode, specs, codes).results;
  const qemu = runQemu(mode, specs, codes).results;
  const differences: string[] = [];
  specs.forEach((s, i) => {
    const d = differs(mode, s, cpu[i]!, qemu[i]!);
    if (d) differences.push(d);
  });
  return { cases: specs.length, differences };
}
