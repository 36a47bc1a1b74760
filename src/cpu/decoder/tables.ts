/**
 * Opcode attribute tables: everything the decoder needs to find an
 * instruction's length and whether the encoding is valid, for the one-byte
 * map and the 0F, 0F38 and 0F3A maps. Semantics live in ../exec; this file
 * knows only encodings (Intel SDM vol. 2, appendix A, opcode maps).
 *
 * One Uint32 per opcode. The mandatory-prefix bits say which of
 * none/66/F3/F2 make a valid instruction (SSE-style opcodes); plain
 * general-purpose opcodes allow all four.
 */
export const A = {
  MODRM: 1 << 0,
  /** Immediate kind, bits 1-4 (see Imm). */
  IMM_SHIFT: 1,
  IMM_MASK: 0xf << 1,
  /** Invalid in 64-bit mode (#UD). */
  INV64: 1 << 5,
  /** Operand size defaults to 64 bits in 64-bit mode (push/pop, near indirect branches...). */
  DEF64: 1 << 6,
  /** Operand size is 64 bits in 64-bit mode whatever the 66 prefix says (Intel: near branches). */
  FORCE64: 1 << 7,
  /** Byte operands. */
  BYTE: 1 << 8,
  /** Always #UD. */
  INVALID: 1 << 9,
  /** LOCK is allowed when the destination is memory. */
  LOCKABLE: 1 << 10,
  /** ModRM must name memory (mod != 3) or the encoding is #UD. */
  MEM_ONLY: 1 << 11,
  /** ModRM.mod is ignored: always treated as a register (MOV CRn/DRn). */
  REG_ALWAYS: 1 << 12,
  /** Changes control flow or system state: ends a decoded block. */
  BLOCK_END: 1 << 13,
  /** Needs per-ModRM.reg validity (group opcodes): see decoder.groupValid. */
  GROUP: 1 << 14,
  /** Only valid in 64-bit mode. */
  ONLY64: 1 << 15,
  /** ModRM must name a register (mod == 3) or the encoding is #UD. */
  REG_ONLY: 1 << 20,
  /** Mandatory prefix validity: none, 66, F3, F2. */
  P_NP: 1 << 16,
  P_66: 1 << 17,
  P_F3: 1 << 18,
  P_F2: 1 << 19,
  P_ALL: 0xf << 16,
} as const;

export const Imm = {
  NONE: 0,
  /** 8 bits */
  B: 1,
  /** 16 bits */
  W: 2,
  /** 16 or 32 bits by operand size (32 for 64-bit operand size) */
  Z: 3,
  /** 16, 32 or 64 bits by operand size (MOV r, imm) */
  V: 4,
  /** far pointer: Z then a 16-bit selector */
  AP: 5,
  /** memory offset, address-size wide (MOV AL, moffs) */
  MOFFS: 6,
  /** 16 then 8 bits (ENTER) */
  WB: 7,
  /** 16 or 32 bits by operand size; in 64-bit mode always 32 (rel32 branches) */
  JZ: 8,
} as const;

const M = A.MODRM;
const ALL = A.P_ALL;
const imm = (k: number): number => k << A.IMM_SHIFT;
const IB = imm(Imm.B);
const IZ = imm(Imm.Z);

function table(): Uint32Array {
  return new Uint32Array(256);
}

function set(t: Uint32Array, from: number, to: number, attrs: number): void {
  for (let o = from; o <= to; o++) t[o] = attrs;
}

/** One-byte map. */
export const MAP0 = table();
{
  const t = MAP0;
  set(t, 0, 0xff, ALL);
  // ALU blocks: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz
  for (let b = 0; b < 8; b++) {
    const base = b * 8;
    const lock = b === 7 ? 0 : A.LOCKABLE; // CMP cannot be locked
    t[base] = ALL | M | A.BYTE | lock;
    t[base + 1] = ALL | M | lock;
    t[base + 2] = ALL | M | A.BYTE;
    t[base + 3] = ALL | M;
    t[base + 4] = ALL | A.BYTE | IB;
    t[base + 5] = ALL | IZ;
  }
  for (const o of [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61]) t[o] = ALL | A.INV64;
  t[0x07] = ALL | A.INV64 | A.BLOCK_END; t[0x17] = ALL | A.INV64 | A.BLOCK_END; t[0x1f] = ALL | A.INV64 | A.BLOCK_END;
  set(t, 0x40, 0x4f, ALL); // INC/DEC (REX prefixes in 64-bit mode, handled by the prefix loop)
  set(t, 0x50, 0x5f, ALL | A.DEF64);
  t[0x62] = ALL | M | A.INV64 | A.MEM_ONLY; // BOUND (EVEX in 64-bit mode)
  t[0x63] = ALL | M; // ARPL / MOVSXD
  t[0x68] = ALL | A.DEF64 | IZ;
  t[0x69] = ALL | M | IZ;
  t[0x6a] = ALL | A.DEF64 | IB;
  t[0x6b] = ALL | M | IB;
  set(t, 0x6c, 0x6f, ALL | A.BLOCK_END);
  t[0x6c] |= A.BYTE; t[0x6e] |= A.BYTE;
  set(t, 0x70, 0x7f, ALL | A.FORCE64 | IB); // Jcc: not a block end (see block-cache.ts)
  t[0x80] = ALL | M | A.BYTE | IB | A.LOCKABLE;
  t[0x81] = ALL | M | IZ | A.LOCKABLE;
  t[0x82] = ALL | M | A.BYTE | IB | A.LOCKABLE | A.INV64;
  t[0x83] = ALL | M | IB | A.LOCKABLE;
  t[0x84] = ALL | M | A.BYTE;
  t[0x85] = ALL | M;
  t[0x86] = ALL | M | A.BYTE | A.LOCKABLE;
  t[0x87] = ALL | M | A.LOCKABLE;
  t[0x88] = ALL | M | A.BYTE; t[0x89] = ALL | M; t[0x8a] = ALL | M | A.BYTE; t[0x8b] = ALL | M;
  t[0x8c] = ALL | M | A.GROUP;
  t[0x8d] = ALL | M | A.MEM_ONLY;
  t[0x8e] = ALL | M | A.BLOCK_END | A.GROUP;
  t[0x8f] = ALL | M | A.DEF64 | A.GROUP;
  set(t, 0x90, 0x99, ALL);
  t[0x9a] = ALL | imm(Imm.AP) | A.INV64 | A.BLOCK_END;
  t[0x9b] = ALL;
  t[0x9c] = ALL | A.DEF64;
  t[0x9d] = ALL | A.DEF64 | A.BLOCK_END;
  t[0x9e] = ALL; t[0x9f] = ALL;
  t[0xa0] = ALL | imm(Imm.MOFFS) | A.BYTE; t[0xa1] = ALL | imm(Imm.MOFFS);
  t[0xa2] = ALL | imm(Imm.MOFFS) | A.BYTE; t[0xa3] = ALL | imm(Imm.MOFFS);
  set(t, 0xa4, 0xaf, ALL);
  for (const o of [0xa4, 0xa6, 0xaa, 0xac, 0xae]) t[o] |= A.BYTE;
  t[0xa8] = ALL | A.BYTE | IB; t[0xa9] = ALL | IZ;
  set(t, 0xb0, 0xb7, ALL | A.BYTE | IB);
  set(t, 0xb8, 0xbf, ALL | imm(Imm.V));
  t[0xc0] = ALL | M | A.BYTE | IB; t[0xc1] = ALL | M | IB;
  t[0xc2] = ALL | A.FORCE64 | imm(Imm.W) | A.BLOCK_END; t[0xc3] = ALL | A.FORCE64 | A.BLOCK_END;
  t[0xc4] = ALL | M | A.INV64 | A.MEM_ONLY; t[0xc5] = ALL | M | A.INV64 | A.MEM_ONLY;
  t[0xc6] = ALL | M | A.BYTE | IB | A.GROUP; t[0xc7] = ALL | M | IZ | A.GROUP;
  t[0xc8] = ALL | A.DEF64 | imm(Imm.WB); t[0xc9] = ALL | A.DEF64;
  t[0xca] = ALL | imm(Imm.W) | A.BLOCK_END; t[0xcb] = ALL | A.BLOCK_END;
  t[0xcc] = ALL | A.BLOCK_END; t[0xcd] = ALL | IB | A.BLOCK_END; t[0xce] = ALL | A.INV64 | A.BLOCK_END; t[0xcf] = ALL | A.BLOCK_END;
  t[0xd0] = ALL | M | A.BYTE; t[0xd1] = ALL | M; t[0xd2] = ALL | M | A.BYTE; t[0xd3] = ALL | M;
  t[0xd4] = ALL | IB | A.INV64; t[0xd5] = ALL | IB | A.INV64; t[0xd6] = ALL | A.INV64; t[0xd7] = ALL;
  set(t, 0xd8, 0xdf, ALL | M | A.GROUP);
  set(t, 0xe0, 0xe3, ALL | A.FORCE64 | IB); // LOOPcc, JCXZ
  t[0xe4] = ALL | A.BYTE | IB | A.BLOCK_END; t[0xe5] = ALL | IB | A.BLOCK_END;
  t[0xe6] = ALL | A.BYTE | IB | A.BLOCK_END; t[0xe7] = ALL | IB | A.BLOCK_END;
  t[0xe8] = ALL | A.FORCE64 | imm(Imm.JZ) | A.BLOCK_END; t[0xe9] = ALL | A.FORCE64 | imm(Imm.JZ) | A.BLOCK_END;
  t[0xea] = ALL | imm(Imm.AP) | A.INV64 | A.BLOCK_END; t[0xeb] = ALL | A.FORCE64 | IB | A.BLOCK_END;
  set(t, 0xec, 0xef, ALL | A.BLOCK_END); t[0xec] |= A.BYTE; t[0xee] |= A.BYTE;
  t[0xf1] = ALL | A.BLOCK_END; t[0xf4] = ALL | A.BLOCK_END; t[0xf5] = ALL;
  t[0xf6] = ALL | M | A.BYTE | A.GROUP; t[0xf7] = ALL | M | A.GROUP;
  set(t, 0xf8, 0xfd, ALL); t[0xfa] |= A.BLOCK_END; t[0xfb] |= A.BLOCK_END;
  t[0xfe] = ALL | M | A.BYTE | A.GROUP; t[0xff] = ALL | M | A.GROUP;
  // Prefix bytes never reach the table lookup; mark them for clarity.
  for (const o of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) t[o] = A.INVALID;
}

/** Two-byte map (0F xx). */
export const MAP1 = table();
{
  const t = MAP1;
  set(t, 0, 0xff, A.INVALID);
  const GP = ALL | M;
  t[0x00] = GP | A.GROUP | A.BLOCK_END;
  t[0x01] = GP | A.GROUP | A.BLOCK_END;
  t[0x02] = GP; t[0x03] = GP;
  t[0x05] = ALL | A.BLOCK_END; t[0x06] = ALL | A.BLOCK_END; t[0x07] = ALL | A.BLOCK_END;
  t[0x08] = ALL | A.BLOCK_END; t[0x09] = ALL | A.BLOCK_END; t[0x0b] = ALL | A.BLOCK_END;
  t[0x0d] = GP; // PREFETCH group
  t[0x0e] = ALL; // FEMMS
  t[0x0f] = ALL | M | IB | A.GROUP; // 3DNow!: the immediate is the opcode
  set(t, 0x10, 0x17, GP);
  t[0x13] = A.P_NP | A.P_66 | M | A.MEM_ONLY; t[0x17] = A.P_NP | A.P_66 | M | A.MEM_ONLY;
  t[0x12] = GP | A.GROUP; t[0x16] = A.P_NP | A.P_66 | A.P_F3 | M | A.GROUP; // 66: MOVLPD/MOVHPD take memory only
  t[0x14] = A.P_NP | A.P_66 | M; t[0x15] = A.P_NP | A.P_66 | M;
  set(t, 0x18, 0x1f, GP); // hint NOPs / prefetch / endbr
  set(t, 0x20, 0x23, GP | A.REG_ALWAYS | A.BLOCK_END);
  set(t, 0x20, 0x23, GP | A.REG_ALWAYS | A.BLOCK_END | A.GROUP);
  set(t, 0x28, 0x2f, GP);
  t[0x2b] = ALL | M | A.MEM_ONLY; // MOVNTPS/PD, AMD MOVNTSS/SD
  t[0x2e] = A.P_NP | A.P_66 | M; t[0x2f] = A.P_NP | A.P_66 | M;
  t[0x28] = A.P_NP | A.P_66 | M; t[0x29] = A.P_NP | A.P_66 | M;
  set(t, 0x30, 0x35, ALL | A.BLOCK_END); t[0x37] = A.P_NP | A.BLOCK_END;
  set(t, 0x40, 0x4f, GP); // CMOVcc
  set(t, 0x50, 0x7f, GP);
  t[0x50] = A.P_NP | A.P_66 | M | A.REG_ONLY;
  t[0x54] = A.P_NP | A.P_66 | M; t[0x55] = A.P_NP | A.P_66 | M; t[0x56] = A.P_NP | A.P_66 | M; t[0x57] = A.P_NP | A.P_66 | M;
  t[0x52] = A.P_NP | A.P_F3 | M; t[0x53] = A.P_NP | A.P_F3 | M;
  t[0x5b] = A.P_NP | A.P_66 | A.P_F3 | M;
  set(t, 0x60, 0x6b, A.P_NP | A.P_66 | M);
  t[0x6c] = A.P_66 | M; t[0x6d] = A.P_66 | M;
  t[0x6e] = A.P_NP | A.P_66 | M;
  t[0x6f] = A.P_NP | A.P_66 | A.P_F3 | M;
  t[0x70] = GP | IB;
  set(t, 0x71, 0x73, A.P_NP | A.P_66 | M | IB | A.GROUP);
  set(t, 0x74, 0x76, A.P_NP | A.P_66 | M);
  t[0x77] = A.P_NP;
  t[0x78] = A.P_NP | A.P_66 | A.P_F2 | M | A.GROUP; t[0x79] = A.P_NP | A.P_66 | A.P_F2 | M | A.GROUP; // VMREAD/VMWRITE, AMD EXTRQ/INSERTQ
  t[0x7a] = A.INVALID; t[0x7b] = A.INVALID;
  t[0x7c] = A.P_66 | A.P_F2 | M; t[0x7d] = A.P_66 | A.P_F2 | M;
  t[0x7e] = A.P_NP | A.P_66 | A.P_F3 | M; t[0x7f] = A.P_NP | A.P_66 | A.P_F3 | M;
  set(t, 0x80, 0x8f, ALL | A.FORCE64 | imm(Imm.JZ)); // Jcc rel32
  set(t, 0x90, 0x9f, GP);
  t[0xa0] = ALL | A.DEF64; t[0xa1] = ALL | A.DEF64 | A.BLOCK_END; t[0xa2] = ALL | A.BLOCK_END;
  t[0xa3] = GP; t[0xa4] = GP | IB; t[0xa5] = GP;
  t[0xa6] = GP | A.GROUP; t[0xa7] = GP | A.GROUP; // VIA PadLock
  t[0xa8] = ALL | A.DEF64; t[0xa9] = ALL | A.DEF64 | A.BLOCK_END; t[0xaa] = ALL | A.BLOCK_END;
  t[0xab] = GP | A.LOCKABLE; t[0xac] = GP | IB; t[0xad] = GP;
  t[0xae] = GP | A.GROUP;
  t[0xaf] = GP;
  t[0xb0] = GP | A.BYTE | A.LOCKABLE; t[0xb1] = GP | A.LOCKABLE;
  t[0xb2] = GP | A.MEM_ONLY | A.BLOCK_END; t[0xb3] = GP | A.LOCKABLE; t[0xb4] = GP | A.MEM_ONLY; t[0xb5] = GP | A.MEM_ONLY;
  t[0xb6] = GP; t[0xb7] = GP;
  t[0xb8] = A.P_F3 | M; // POPCNT
  t[0xb9] = GP; // UD1
  t[0xba] = GP | IB | A.GROUP;
  t[0xbb] = GP | A.LOCKABLE; t[0xbc] = GP; t[0xbd] = GP; t[0xbe] = GP; t[0xbf] = GP;
  t[0xc0] = GP | A.BYTE | A.LOCKABLE; t[0xc1] = GP | A.LOCKABLE;
  t[0xc2] = GP | IB;
  t[0xc3] = A.P_NP | M | A.MEM_ONLY;
  t[0xc4] = A.P_NP | A.P_66 | M | IB; t[0xc5] = A.P_NP | A.P_66 | M | IB | A.REG_ONLY; t[0xc6] = A.P_NP | A.P_66 | M | IB;
  t[0xc7] = GP | A.GROUP;
  set(t, 0xc8, 0xcf, ALL);
  set(t, 0xd0, 0xfe, A.P_NP | A.P_66 | M);
  t[0xd0] = A.P_66 | A.P_F2 | M;
  t[0xd6] = A.P_66 | A.P_F3 | A.P_F2 | M | A.GROUP; // F3/F2: MOVQ2DQ/MOVDQ2Q take registers only
  t[0xe6] = A.P_66 | A.P_F3 | A.P_F2 | M;
  t[0xf0] = A.P_F2 | M | A.MEM_ONLY;
  t[0xd7] |= A.REG_ONLY; t[0xf7] |= A.REG_ONLY;
  t[0xe7] |= A.MEM_ONLY;
  t[0xff] = GP; // UD0
}

/** Three-byte map 0F 38. */
export const MAP2 = table();
{
  const t = MAP2;
  set(t, 0, 0xff, A.INVALID);
  const NP66 = A.P_NP | A.P_66 | M;
  const P66 = A.P_66 | M;
  set(t, 0x00, 0x0b, NP66);
  t[0x10] = P66; t[0x14] = P66; t[0x15] = P66; t[0x17] = P66;
  set(t, 0x1c, 0x1e, NP66);
  set(t, 0x20, 0x25, P66);
  set(t, 0x28, 0x2b, P66); t[0x2a] = P66 | A.MEM_ONLY;
  set(t, 0x30, 0x35, P66);
  set(t, 0x37, 0x41, P66);
  t[0x80] = P66 | A.MEM_ONLY; t[0x81] = P66 | A.MEM_ONLY; t[0x82] = P66 | A.MEM_ONLY;
  set(t, 0xc8, 0xcd, A.P_NP | M); t[0xcf] = P66;
  set(t, 0xdb, 0xdf, P66);
  // Key Locker (F3): AES*WIDE*KL (D8), LOADIWKEY / AES*KL (DC-DF), ENCODEKEY128/256 (FA FB).
  t[0xd8] = A.P_F3 | M | A.GROUP;
  for (const o of [0xdc, 0xdd, 0xde, 0xdf]) t[o] = t[o]! | A.P_F3 | A.GROUP;
  t[0xfa] = A.P_F3 | M | A.REG_ONLY; t[0xfb] = A.P_F3 | M | A.REG_ONLY;
  t[0xf0] = A.P_NP | A.P_66 | A.P_F2 | M | A.GROUP; // MOVBE (memory) / CRC32
  t[0xf1] = A.P_NP | A.P_66 | A.P_F2 | M | A.GROUP;
  t[0xf6] = A.P_NP | A.P_66 | A.P_F3 | M | A.GROUP; // WRSS (memory), ADCX, ADOX
  t[0xf5] = A.P_66 | M | A.MEM_ONLY; // WRUSS
  t[0xf8] = A.P_66 | A.P_F3 | A.P_F2 | M | A.MEM_ONLY; // MOVDIR64B, ENQCMDS, ENQCMD
  t[0xf9] = A.P_NP | M | A.MEM_ONLY; // MOVDIRI
  t[0xfc] = ALL | M | A.MEM_ONLY; // AADD AAND AOR AXOR
}

/** Three-byte map 0F 3A: every opcode has ModRM and an 8-bit immediate. */
export const MAP3 = table();
{
  const t = MAP3;
  set(t, 0, 0xff, A.INVALID);
  const P66 = A.P_66 | M | IB;
  set(t, 0x08, 0x0e, P66); t[0x0f] = A.P_NP | P66;
  set(t, 0x14, 0x17, P66);
  set(t, 0x20, 0x22, P66);
  set(t, 0x40, 0x42, P66); t[0x44] = P66;
  set(t, 0x60, 0x63, P66);
  t[0xcc] = A.P_NP | M | IB; t[0xce] = P66; t[0xcf] = P66; t[0xdf] = P66;
  t[0xf0] = A.P_F3 | M | IB | A.GROUP; // HRESET (ModRM C0 only)
}

export const MAPS = [MAP0, MAP1, MAP2, MAP3] as const;

/** VEX maps 0F, 0F38, 0F3A (index by mmmmm): every opcode has ModRM except VZEROUPPER/VZEROALL (0F 77). */
function vexMap(m: number): Uint32Array {
  const t = table();
  for (let o = 0; o < 256; o++) t[o] = (m === 1 && o === 0x77 ? 0 : M) | (vexHasImm8(m, o) ? IB : 0) | ALL;
  return t;
}
export const VEX_MAPS = [table(), vexMap(1), vexMap(2), vexMap(3)] as const;

/**
 * VEX/EVEX/XOP maps, for length decoding only: does opcode `op` of map `m`
 * take an 8-bit immediate? (Map 3 and XOP map 8 always do.)
 */
export function vexHasImm8(map: number, op: number): boolean {
  if (map === 3 || map === 8) return true;
  if (map === 1) return op === 0x70 || op === 0x71 || op === 0x72 || op === 0x73 || op === 0xc2 || op === 0xc4 || op === 0xc5 || op === 0xc6;
  return false;
}
