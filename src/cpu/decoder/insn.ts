/**
 * One decoded instruction. Instances are created when a block is decoded and
 * reused every time the block runs, so executing allocates nothing. All
 * fields are numbers initialised in the constructor: one hidden class,
 * monomorphic property access in every handler.
 */
import type { Cpu } from '../cpu.js';

/** Executes one instruction. `c.s.rip` already points at the next instruction. */
export type Handler = (c: Cpu, i: Insn) => void;

/** How the memory operand's effective address is formed. */
export const Ea = { NONE: 0, A16: 1, A32: 2, A64: 3, RIP: 4 } as const;

export const Rep = { NONE: 0, REPNE: 2, REP: 3 } as const;

export class Insn {
  /** Semantics, bound by exec/dispatch.ts (the decoder itself leaves the #UD handler). */
  h: Handler;
  /** Length in bytes. */
  len = 0;
  /** 0 one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A; 4 VEX/EVEX/XOP (length only). */
  map = 0;
  opc = 0;
  /** Operand size index: 0=8, 1=16, 2=32, 3=64 bits. */
  osz = 2;
  /** Address size index: 0=16, 1=32, 2=64 bits. */
  asz = 1;
  /** Segment of the memory operand (Seg.*), after overrides and the BP/SP default. */
  seg = 3;
  /** The segment override prefix (-1 none): string instructions' source needs it. */
  segOvr = -1;
  rep = 0;
  lock = 0;
  /** Operand-size prefix seen (SSE mandatory prefix logic, some 16-bit forms). */
  p66 = 0;
  rex = 0;
  /** ModRM fields; reg and rm include REX.R/REX.B. Byte registers AH..BH are 16..19. */
  mod = 0;
  reg = 0;
  rm = 0;
  modrm = -1;
  /** Memory operand: Ea kind, base and index register (-1 none), scale shift, displacement. */
  ea = 0;
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** First immediate (sign-extended to 32 bits where the architecture does). */
  imm = 0;
  /** Second immediate, or the high half of a 64-bit one. */
  imm2 = 0;
  /** VEX-encoded (then map is the VEX map 1-3); vvvv is the extra register operand, vexL VEX.L. */
  vex = 0;
  vvvv = 0;
  vexL = 0;
  /** Attribute word from the opcode tables. */
  attrs = 0;
  /** 0 valid; otherwise why the encoding is #UD (UdReason). */
  ud = 0;
  /** Handler-specific sub-operation chosen by bind (ALU op, condition code, shift kind...). */
  sub = 0;
  /** Position in its block (instructions before it in the block have retired when it runs). */
  idx = 0;
  /** Offset of the next instruction from the start of its block. */
  end = 0;
  /**
   * Cannot fault, branch, exit or read RIP (a register-only form of a simple
   * instruction): the run loop need not keep RIP current for it.
   */
  pure = false;
  /** Ends a decoded block. */
  blockEnd = false;

  constructor(h: Handler) {
    this.h = h;
  }
}
