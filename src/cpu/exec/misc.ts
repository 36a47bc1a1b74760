/**
 * Everything small: flag instructions (CLC STC CMC CLD STD CLI STI), NOP
 * forms and hints (PAUSE, PREFETCH*, CLFLUSH*, fences, ENDBR), HLT, CPUID,
 * RDTSC/RDTSCP, RDRAND/RDSEED, IN/OUT, UD0/UD1/UD2, CRC32.
 */
import type { Cpu } from '../cpu.js';
import { Brk } from '../block-cache.js';
import type { Insn } from '../decoder/insn.js';
import { ExitReason } from '../contract.js';
import { Vec } from '../exceptions.js';
import { getCF, materialize, setArithFlags } from '../flags.js';
import { CR4, F } from '../state.js';
import { ea, fault, getReg, readRm, setReg } from './operands.js';
import { checkIoPermission } from '../system/io-permission.js';

export function nop(): void { /* no operation */ }

export function ud(c: Cpu): void {
  fault(c, Vec.UD);
}

export function clc(c: Cpu): void { materialize(c); c.s.flags &= ~F.CF; }
export function stc(c: Cpu): void { materialize(c); c.s.flags |= F.CF; }
export function cmc(c: Cpu): void { const cf = getCF(c); materialize(c); c.s.flags = (c.s.flags & ~F.CF) | (cf ^ 1); }
export function cld(c: Cpu): void { c.s.flags &= ~F.DF; }
export function std(c: Cpu): void { c.s.flags |= F.DF; }

/** Can the current code change IF? (CPL <= IOPL; VME/PVI are issue 4.) */
function ifAllowed(c: Cpu): boolean {
  return c.s.cpl <= ((c.s.flags >> 12) & 3);
}

export function cli(c: Cpu): void {
  if (!ifAllowed(c)) fault(c, Vec.GP, 0);
  c.s.flags &= ~F.IF;
}

export function sti(c: Cpu): void {
  if (!ifAllowed(c)) fault(c, Vec.GP, 0);
  if ((c.s.flags & F.IF) === 0) c.intShadow = true;
  c.s.flags |= F.IF;
  c.brk = Brk.STOP;
}

/** HLT: privileged; exits to the VMM (KVM_EXIT_HLT) with RIP after the instruction. */
export function hlt(c: Cpu): void {
  if (c.s.cpl !== 0) fault(c, Vec.GP, 0);
  c.halted = true;
  c.exitReason = ExitReason.Hlt;
  c.brk = Brk.STOP;
}

const CPUID_OUT = new Int32Array(4);

export function cpuid(c: Cpu): void {
  c.cpuidQuery(c.lo[0]!, c.lo[1]!, CPUID_OUT);
  setReg(c, 2, 0, CPUID_OUT[0]!, 0);
  setReg(c, 2, 3, CPUID_OUT[1]!, 0);
  setReg(c, 2, 1, CPUID_OUT[2]!, 0);
  setReg(c, 2, 2, CPUID_OUT[3]!, 0);
}

/** RDTSC (0F 31) and RDTSCP (0F 01 F9: sub = 1). */
export function rdtsc(c: Cpu, i: Insn): void {
  if ((c.s.cr4 & CR4.TSD) !== 0 && c.s.cpl !== 0) fault(c, Vec.GP, 0);
  const t = c.tsc(i.idx);
  setReg(c, 2, 0, t >>> 0 | 0, 0);
  setReg(c, 2, 2, Math.floor(t / 4294967296) | 0, 0);
  if (i.sub === 1) setReg(c, 2, 1, c.s.tscAux, 0);
}

/** RDRAND/RDSEED (0F C7 /6 /7): CF = 1 and a value from the host's random source. */
export function rdrand(c: Cpu, i: Insn): void {
  const v = (Math.random() * 4294967296) | 0;
  const h = (Math.random() * 4294967296) | 0;
  setReg(c, i.osz, i.rm, v, h);
  setArithFlags(c, F.CF);
}

/** IN AL/eAX, imm8 | DX (E4 E5 EC ED). */
export function inPort(c: Cpu, i: Insn): void {
  const port = i.opc >= 0xec ? c.lo[2]! & 0xffff : i.imm & 0xff;
  const size = i.osz === 0 ? 1 : i.osz === 1 ? 2 : 4;
  checkIoPermission(c, port, size);
  const v = c.ioIn(port, size);
  setReg(c, size === 1 ? 0 : size === 2 ? 1 : 2, 0, v, 0);
}

/** OUT imm8 | DX, AL/eAX (E6 E7 EE EF). */
export function outPort(c: Cpu, i: Insn): void {
  const port = i.opc >= 0xec ? c.lo[2]! & 0xffff : i.imm & 0xff;
  const size = i.osz === 0 ? 1 : i.osz === 1 ? 2 : 4;
  checkIoPermission(c, port, size);
  c.ioOut(port, size, getReg(c, size === 1 ? 0 : size === 2 ? 1 : 2, 0));
}

/** CLFLUSH/CLFLUSHOPT/PREFETCH: the address is translated (faults as hardware would for CLFLUSH); nothing else. */
export function touchLine(c: Cpu, i: Insn): void {
  if (i.sub === 1) c.m.read8(ea(c, i, 1, 0));
}

// ---- CRC32 (F2 0F 38 F0/F1): CRC-32C (Castagnoli), bit-reflected -----------

const CRC32C = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let v = n;
  for (let k = 0; k < 8; k++) v = (v & 1) !== 0 ? (v >>> 1) ^ 0x82f63b78 : v >>> 1;
  CRC32C[n] = v;
}

export function crc32(c: Cpu, i: Insn): void {
  // The source size is the operand size (66 and REX.W as usual; 16-bit code defaults to 16).
  const srcSize = i.opc === 0xf0 ? 0 : i.osz;
  const v = readRm(c, i, srcSize), vh = c.m.hi;
  let crc = c.lo[i.reg]!;
  const bytes = 1 << srcSize;
  for (let k = 0; k < bytes; k++) {
    const b = k < 4 ? (v >>> (8 * k)) & 0xff : (vh >>> (8 * (k - 4))) & 0xff;
    crc = (crc >>> 8) ^ CRC32C[(crc ^ b) & 0xff]!;
  }
  setReg(c, 2, i.reg, crc, 0);
  if ((i.rex & 8) !== 0) c.hi[i.reg] = 0;
}
