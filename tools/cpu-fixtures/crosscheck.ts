/**
 * Compares the 16-bit fixtures recorded on the host CPU (16-bit protected
 * mode) with the same snippets run in real mode under QEMU: registers, flags
 * outside the undefined mask, memory, and exception vectors. Agreement shows
 * the fixtures can be replayed in real mode; a disagreement is listed (where
 * QEMU and the CPU differ, the CPU wins, but a difference in a case that
 * does not depend on the mode would point at a fixture that is not portable).
 */
import { assembleSnippets } from './assemble.js';
import { gprsOf } from './layout.js';
import type { NativeResult } from './native.js';
import { runNative } from './native.js';
import { runQemu } from './qemu.js';
import type { CaseSpec } from './spec.js';

export interface CrossCheck {
  cases: number;
  differences: string[];
}

function differs(spec: CaseSpec, cpu: NativeResult, qemu: NativeResult): string | undefined {
  const label = `${spec.name}: ${spec.asm.replace(/\n/g, '; ')}`;
  if (cpu.exc !== undefined || qemu.exc !== undefined) {
    // a real-mode exception also writes its frame to the stack: compare vectors only
    return cpu.exc === qemu.exc ? undefined : `${label}: exception ${cpu.exc ?? 'none'} on the CPU, ${qemu.exc ?? 'none'} under QEMU`;
  }
  for (const g of gprsOf(16)) {
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

export function crossCheck16(specs: CaseSpec[]): CrossCheck {
  const codes = assembleSnippets(16, specs.map((s) => s.asm));
  const cpu = runNative(16, specs, codes).results;
  const qemu = runQemu(16, specs, codes).results;
  const differences: string[] = [];
  specs.forEach((s, i) => {
    const d = differs(s, cpu[i]!, qemu[i]!);
    if (d) differences.push(d);
  });
  return { cases: specs.length, differences };
}
