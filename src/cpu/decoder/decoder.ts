/**
 * Instruction decoder: prefixes (legacy, REX, VEX/EVEX/XOP for length),
 * opcode maps, ModRM/SIB/displacement/immediate, in 16-, 32- and 64-bit code.
 * It fills an Insn and decides validity exactly as the tables and the group
 * rules say; it does not bind semantics (exec/dispatch.ts does).
 */
import { CodeSize, Seg } from '../state.js';
import { A, Imm, MAPS, VEX_MAPS, vexHasImm8 } from './tables.js';
import { Ea, type Insn, Rep } from './insn.js';

export const UdReason = {
  NONE: 0, OPCODE: 1, LOCK: 2, TOO_LONG: 3, INV64: 4, VEX: 5, MEM_ONLY: 6, PREFIX: 7, GROUP: 8,
} as const;

/** Architectural maximum instruction length. */
export const MAX_INSN_LEN = 15;

/** decode() result when the bytes ran out before the instruction ended. */
export const NEED_MORE = -1;

// 16-bit addressing: base and index register of each ModRM.rm value.
const A16_BASE = [3, 3, 5, 5, 6, 7, 5, 3] as const; // BX BX BP BP SI DI BP BX
const A16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1] as const; // SI DI SI DI

/**
 * Decode the instruction at buf[pos..end). Returns its length (the Insn's
 * `ud` says whether it is valid), or NEED_MORE if it continues past `end`
 * (the caller provides more bytes; with 15 bytes available this never
 * happens).
 */
export function decode(buf: Uint8Array, pos: number, end: number, codeSize: number, i: Insn): number {
  const start = pos;
  const limit = Math.min(end, start + MAX_INSN_LEN);
  const long = codeSize === CodeSize.Bits64;
  let p66 = 0, p67 = 0, rep = 0, lock = 0, seg = -1, rex = 0;
  let b = 0;

  i.ud = 0;
  i.vex = 0; i.vvvv = 0; i.vexL = 0;
  let vexBad = false;
  i.imm = 0; i.imm2 = 0; i.disp = 0;
  i.base = -1; i.index = -1; i.scale = 0; i.ea = Ea.NONE;
  i.mod = 3; i.reg = 0; i.rm = 0; i.modrm = -1;

  // Legacy prefixes, then (64-bit mode) REX, which counts only right before the opcode.
  for (;;) {
    if (pos >= limit) return tooLong(i, pos + 1, start, end);
    b = buf[pos]!;
    if (b === 0x66) p66 = 1;
    else if (b === 0x67) p67 = 1;
    else if (b === 0xf3) rep = Rep.REP;
    else if (b === 0xf2) rep = Rep.REPNE;
    else if (b === 0xf0) lock = 1;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) { if (!long) seg = (b >> 3) & 3; }
    else if (b === 0x64 || b === 0x65) seg = b - 0x60;
    else if (long && (b & 0xf0) === 0x40) { rex = b; pos++; if (pos >= limit) return tooLong(i, pos + 1, start, end); b = buf[pos]!; if ((b & 0xf0) === 0x40 || isLegacyPrefix(b)) { rex = 0; continue; } break; }
    else break;
    rex = 0;
    pos++;
  }

  i.p66 = p66; i.rep = rep; i.lock = lock; i.rex = rex; i.segOvr = seg;

  // Address size.
  let asz: number;
  if (long) asz = p67 ? 1 : 2;
  else asz = (codeSize === CodeSize.Bits32) !== (p67 === 1) ? 1 : 0;
  i.asz = asz;

  // Opcode and map.
  let map = 0;
  pos++;
  if (b === 0x0f) {
    if (pos >= limit) return tooLong(i, pos + 1, start, end);
    b = buf[pos++]!;
    map = 1;
    if (b === 0x38 || b === 0x3a) {
      if (pos >= limit) return tooLong(i, pos + 1, start, end);
      map = b === 0x38 ? 2 : 3;
      b = buf[pos++]!;
    }
  } else if (b === 0xc4 || b === 0xc5 || b === 0x62 || b === 0x8f) {
    if (pos >= limit) return tooLong(i, pos + 1, start, end);
    const n = buf[pos]!;
    const isVex = b === 0x8f ? (n & 0x1f) >= 8 : long || (n & 0xc0) === 0xc0;
    if (isVex && b === 0xc4 || isVex && b === 0xc5) {
      // VEX: decoded in full (the BMI1/BMI2 general-purpose instructions execute; the rest is #UD).
      const two = b === 0xc5;
      if (pos + (two ? 1 : 2) >= limit) return tooLong(i, pos + (two ? 2 : 3), start, end);
      const v1 = buf[pos]!;
      const v2 = two ? v1 : buf[pos + 1]!;
      const mmmmm = two ? 1 : v1 & 0x1f;
      vexBad = (p66 | rep | rex | lock) !== 0 || mmmmm < 1 || mmmmm > 3;
      const R = (~v1 >> 7) & 1, X = two ? 0 : (~v1 >> 6) & 1, B = two ? 0 : (~v1 >> 5) & 1, W = two ? 0 : (v2 >> 7) & 1;
      rex = long ? 0x40 | (W << 3) | (R << 2) | (X << 1) | B : 0;
      i.rex = rex;
      i.vex = 1;
      i.vvvv = ((~v2 >> 3) & 15) & (long ? 15 : 7);
      i.vexL = (v2 >> 2) & 1;
      const pp = v2 & 3;
      i.p66 = pp === 1 ? 1 : 0;
      rep = pp === 2 ? Rep.REP : pp === 3 ? Rep.REPNE : 0;
      i.rep = rep; p66 = i.p66; lock = 0; i.lock = 0;
      pos += two ? 1 : 2;
      map = mmmmm < 1 || mmmmm > 3 ? 1 : mmmmm;
      if (pos >= limit) return tooLong(i, pos + 1, start, end);
      b = buf[pos++]!;
    } else if (isVex) return decodeVexFamily(buf, start, pos, limit, end, b, asz, long, (p66 | rep | rex | lock) !== 0, i);
  }
  i.map = map;
  i.opc = b;
  const attrs = i.vex !== 0 ? VEX_MAPS[map]![b]! : MAPS[map]![b]!;
  i.attrs = attrs;
  i.blockEnd = (attrs & A.BLOCK_END) !== 0;

  // Operand size.
  let osz: number;
  if (i.vex !== 0) osz = long && (rex & 8) !== 0 ? 3 : 2;
  else if (attrs & A.BYTE) osz = 0;
  else if (long) {
    if (rex & 8) osz = 3;
    else if (attrs & A.FORCE64) osz = 3;
    else if (attrs & A.DEF64) osz = p66 ? 1 : 3;
    else osz = p66 ? 1 : 2;
  } else osz = (codeSize === CodeSize.Bits32) !== (p66 === 1) ? 2 : 1;
  i.osz = osz;

  // ModRM, SIB, displacement.
  let modrm = -1;
  if (attrs & A.MODRM) {
    if (pos >= limit) return tooLong(i, pos + 1, start, end);
    modrm = buf[pos++]!;
    i.modrm = modrm;
    const mod = modrm >> 6;
    const reg = (modrm >> 3) & 7;
    let rm = modrm & 7;
    i.reg = reg | ((rex & 4) << 1);
    if (mod === 3 || (attrs & A.REG_ALWAYS)) {
      i.mod = 3;
      i.rm = rm | ((rex & 1) << 3);
    } else {
      i.mod = mod;
      if (asz === 0) {
        i.ea = Ea.A16;
        if (mod === 0 && rm === 6) {
          if (pos + 2 > limit) return tooLong(i, pos + 2, start, end);
          i.disp = buf[pos]! | (buf[pos + 1]! << 8);
          pos += 2;
          i.base = -1; i.index = -1;
          i.seg = Seg.DS;
        } else {
          i.base = A16_BASE[rm]!;
          i.index = A16_INDEX[rm]!;
          i.seg = i.base === 5 ? Seg.SS : Seg.DS;
          if (mod === 1) {
            if (pos >= limit) return tooLong(i, pos + 1, start, end);
            i.disp = (buf[pos++]! << 24) >> 24;
          } else if (mod === 2) {
            if (pos + 2 > limit) return tooLong(i, pos + 2, start, end);
            i.disp = ((buf[pos]! | (buf[pos + 1]! << 8)) << 16) >> 16;
            pos += 2;
          }
        }
      } else {
        i.ea = asz === 2 ? Ea.A64 : Ea.A32;
        let base = rm;
        let defSeg: number = Seg.DS;
        if (rm === 4) {
          if (pos >= limit) return tooLong(i, pos + 1, start, end);
          const sib = buf[pos++]!;
          const idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
          i.index = idx === 4 ? -1 : idx;
          i.scale = sib >> 6;
          base = sib & 7;
          if (base === 5 && mod === 0) {
            i.base = -1;
          } else {
            i.base = base | ((rex & 1) << 3);
            if (base === 4 || base === 5) defSeg = Seg.SS;
          }
          if (base === 5 && mod === 0) {
            if (pos + 4 > limit) return tooLong(i, pos + 4, start, end);
            i.disp = read32(buf, pos); pos += 4;
          }
        } else if (rm === 5 && mod === 0) {
          if (pos + 4 > limit) return tooLong(i, pos + 4, start, end);
          i.disp = read32(buf, pos); pos += 4;
          if (long) { i.ea = Ea.RIP; }
          i.base = -1;
        } else {
          i.base = rm | ((rex & 1) << 3);
          if (rm === 5) defSeg = Seg.SS;
        }
        if (mod === 1) {
          if (pos >= limit) return tooLong(i, pos + 1, start, end);
          i.disp = (buf[pos++]! << 24) >> 24;
        } else if (mod === 2) {
          if (pos + 4 > limit) return tooLong(i, pos + 4, start, end);
          i.disp = read32(buf, pos); pos += 4;
        }
        i.seg = defSeg;
      }
      if (seg >= 0) i.seg = seg;
    }
    // Group 5: CALL/JMP (near and far) end the block.
    if (map === 0 && b === 0xff && ((modrm >> 3) & 7) >= 2 && ((modrm >> 3) & 7) <= 5) i.blockEnd = true;
    // Group 5 in 64-bit mode: near CALL/JMP are 64-bit whatever 66 says, PUSH defaults to 64.
    if (long && map === 0 && b === 0xff) {
      const r = (modrm >> 3) & 7;
      if (r === 2 || r === 4) i.osz = 3;
      else if (r === 6 && !(rex & 8)) i.osz = p66 ? 1 : 3;
    }
    // Byte registers without REX: 4..7 name AH, CH, DH, BH (encoded 16..19).
    if (rex === 0) {
      if ((attrs & A.BYTE) !== 0 || byteRm(map, b)) {
        if (i.mod === 3 && i.rm >= 4 && i.rm < 8 && !(attrs & A.REG_ALWAYS)) i.rm += 12;
      }
      if ((attrs & A.BYTE) !== 0 && i.reg >= 4 && i.reg < 8) i.reg += 12;
    }
  } else if (seg >= 0) {
    i.seg = seg;
  } else {
    i.seg = Seg.DS;
  }

  // Immediates.
  let immKind = (attrs & A.IMM_MASK) >> A.IMM_SHIFT;
  if (map === 0 && (b === 0xf6 || b === 0xf7) && (modrm & 0x30) === 0) immKind = b === 0xf6 ? Imm.B : Imm.Z;
  if (map === 1 && b === 0x78 && i.vex === 0 && (rep === Rep.REPNE || (p66 && rep === 0))) immKind = Imm.W; // AMD EXTRQ/INSERTQ: two imm8
  switch (immKind) {
    case Imm.NONE: break;
    case Imm.B:
      if (pos >= limit) return tooLong(i, pos + 1, start, end);
      i.imm = (buf[pos++]! << 24) >> 24;
      break;
    case Imm.W:
      if (pos + 2 > limit) return tooLong(i, pos + 2, start, end);
      i.imm = buf[pos]! | (buf[pos + 1]! << 8); pos += 2;
      break;
    case Imm.Z: case Imm.JZ: {
      const n = osz === 1 && !(immKind === Imm.JZ && long) ? 2 : 4;
      if (pos + n > limit) return tooLong(i, pos + n, start, end);
      i.imm = n === 2 ? ((buf[pos]! | (buf[pos + 1]! << 8)) << 16) >> 16 : read32(buf, pos);
      pos += n;
      break;
    }
    case Imm.V: {
      const n = osz === 1 ? 2 : osz === 3 ? 8 : 4;
      if (pos + n > limit) return tooLong(i, pos + n, start, end);
      if (n === 2) i.imm = buf[pos]! | (buf[pos + 1]! << 8);
      else { i.imm = read32(buf, pos); if (n === 8) i.imm2 = read32(buf, pos + 4); }
      pos += n;
      break;
    }
    case Imm.AP: {
      const n = osz === 1 ? 2 : 4;
      if (pos + n + 2 > limit) return tooLong(i, pos + n + 2, start, end);
      i.imm = n === 2 ? buf[pos]! | (buf[pos + 1]! << 8) : read32(buf, pos);
      i.imm2 = buf[pos + n]! | (buf[pos + n + 1]! << 8);
      pos += n + 2;
      break;
    }
    case Imm.MOFFS: {
      const n = asz === 0 ? 2 : asz === 1 ? 4 : 8;
      if (pos + n > limit) return tooLong(i, pos + n, start, end);
      if (n === 2) i.disp = buf[pos]! | (buf[pos + 1]! << 8);
      else { i.disp = read32(buf, pos); if (n === 8) i.imm2 = read32(buf, pos + 4); }
      pos += n;
      i.ea = asz === 0 ? Ea.A16 : asz === 1 ? Ea.A32 : Ea.A64;
      i.mod = 0;
      break;
    }
    case Imm.WB:
      if (pos + 3 > limit) return tooLong(i, pos + 3, start, end);
      i.imm = buf[pos]! | (buf[pos + 1]! << 8);
      i.imm2 = buf[pos + 2]!;
      pos += 3;
      break;
  }
  i.len = pos - start;
  i.ud = i.vex !== 0 ? (vexBad || !bmiValid(i, map, b, modrm) ? UdReason.VEX : 0) : validity(i, attrs, map, b, modrm, long, rep, codeSize);
  return i.len;
}

/**
 * The VEX-encoded general-purpose instructions we execute (BMI1, BMI2):
 * ANDN, BLSR/BLSMSK/BLSI, BZHI/PEXT/PDEP, MULX, BEXTR/SHLX/SARX/SHRX, RORX.
 * All need VEX.L = 0.
 */
function bmiValid(i: Insn, map: number, op: number, modrm: number): boolean {
  if (i.vexL !== 0) return false;
  const pp = i.rep === Rep.REP ? 2 : i.rep === Rep.REPNE ? 3 : i.p66;
  if (map === 2) {
    switch (op) {
      case 0xf2: return pp === 0;
      case 0xf3: { const r = (modrm >> 3) & 7; return pp === 0 && r >= 1 && r <= 3; }
      case 0xf5: return pp === 0 || pp === 2 || pp === 3;
      case 0xf6: return pp === 3;
      case 0xf7: return true;
    }
    return false;
  }
  return map === 3 && op === 0xf0 && pp === 3;
}

function isLegacyPrefix(b: number): boolean {
  return b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3 ||
    b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65;
}

/** Opcodes whose r/m operand is a byte although the instruction is not a byte op. */
function byteRm(map: number, op: number): boolean {
  return map === 1 && (op === 0xb6 || op === 0xbe || (op >= 0x90 && op <= 0x9f)) || (map === 2 && op === 0xf0);
}

function read32(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
}

function tooLong(i: Insn, needEnd: number, start: number, end: number): number {
  if (end - start < MAX_INSN_LEN && needEnd > end) return NEED_MORE;
  i.len = MAX_INSN_LEN;
  i.ud = UdReason.TOO_LONG;
  i.blockEnd = true;
  return MAX_INSN_LEN;
}

function validity(i: Insn, attrs: number, map: number, op: number, modrm: number, long: boolean, rep: number, codeSize: number): number {
  if (attrs & A.INVALID) return UdReason.OPCODE;
  if (long && (attrs & A.INV64)) return UdReason.INV64;
  if (!long && (attrs & A.ONLY64)) return UdReason.OPCODE;
  if (map !== 0) {
    // Mandatory prefix: the last F2/F3 wins, then 66, then none.
    const mp = rep === Rep.REP ? A.P_F3 : rep === Rep.REPNE ? A.P_F2 : i.p66 ? A.P_66 : A.P_NP;
    if (!(attrs & mp)) return UdReason.PREFIX;
  }
  const mem = i.mod !== 3;
  if ((attrs & A.MEM_ONLY) && !mem) return UdReason.MEM_ONLY;
  if ((attrs & A.REG_ONLY) && mem) return UdReason.MEM_ONLY;
  const reg = (modrm >> 3) & 7;
  if (attrs & A.GROUP) {
    const g = groupValid(map, op, modrm, reg, mem, long, i, codeSize);
    if (g !== 0) return g;
  }
  if (i.lock) {
    if (!mem || !lockable(attrs, map, op, reg)) return UdReason.LOCK;
  }
  return UdReason.NONE;
}

function lockable(attrs: number, map: number, op: number, reg: number): boolean {
  if (map === 0) {
    if (op >= 0x80 && op <= 0x83) return reg !== 7;
    if (op === 0xf6 || op === 0xf7) return reg === 2 || reg === 3;
    if (op === 0xfe || op === 0xff) return reg <= 1;
  } else if (map === 1) {
    if (op === 0xba) return reg >= 5;
    if (op === 0xc7) return reg === 1;
  }
  return (attrs & A.LOCKABLE) !== 0;
}

function groupValid(map: number, op: number, modrm: number, reg: number, mem: boolean, long: boolean, i: Insn, codeSize: number): number {
  const G = UdReason.GROUP;
  const rm = modrm & 7;
  if (map === 0) {
    switch (op) {
      case 0x8f: return reg === 0 ? 0 : G;
      case 0xc6: case 0xc7: return reg === 0 || modrm === 0xf8 ? 0 : G;
      case 0xfe: return reg <= 1 ? 0 : G;
      case 0xff: return reg === 7 ? G : (reg === 3 || reg === 5) && !mem ? UdReason.MEM_ONLY : 0;
      case 0xf6: case 0xf7: return 0;
      case 0x8c: return reg <= 5 ? 0 : G;
      case 0x8e: return reg <= 5 && reg !== 1 ? 0 : G;
      default: return x87Valid(op, modrm, reg, mem);
    }
  }
  if (map === 1) {
    const mp = i.rep === Rep.REP ? 0xf3 : i.rep === Rep.REPNE ? 0xf2 : i.p66 ? 0x66 : 0;
    switch (op) {
      case 0x00: return reg <= 5 || (reg === 6 && mp === 0xf2 && long) ? 0 : G; // F2 /6: LKGS
      case 0x01:
        if (mem) return reg === 5 && mp !== 0xf3 ? G : 0;
        return grp7RegValid(modrm, long, mp) ? 0 : G;
      case 0x71: case 0x72: return !mem && (reg === 2 || reg === 4 || reg === 6) ? 0 : G;
      case 0x73: return !mem && (reg === 2 || reg === 6 || (mp === 0x66 && (reg === 3 || reg === 7))) ? 0 : G;
      case 0x78: case 0x79:
        if (mp === 0) return 0;
        if (mp === 0xf3) return G;
        if (mem) return G; // EXTRQ/INSERTQ take registers only
        return op === 0x78 && mp === 0x66 && reg !== 0 ? G : 0;
      case 0x0f: return THREE_DNOW_VALID[i.imm & 0xff] ? 0 : G;
      case 0x20: case 0x22: return i.reg === 0 || i.reg === 2 || i.reg === 3 || i.reg === 4 || i.reg === 8 ? 0 : G;
      case 0xa7: return !mem && (reg === 0 || mp === 0xf3) ? 0 : G;
      case 0xa6: return !mem && mp === 0xf3 && (reg !== 0 || codeSize === CodeSize.Bits32) ? 0 : G; // MONTMUL: 32-bit code only
      case 0x12: return mp === 0x66 && !mem ? G : 0;
      case 0x16: return mp === 0x66 && !mem ? G : 0;
      case 0xd6: return (mp === 0xf3 || mp === 0xf2) && mem ? G : 0;
      case 0x21: case 0x23: return i.reg < 8 ? 0 : G;
      case 0xae:
        if (mem) {
          if (mp === 0) return 0;
          if (mp === 0x66) return reg === 6 || reg === 7 ? 0 : G;
          if (mp === 0xf3) return reg === 4 || reg === 6 ? 0 : G;
          return G;
        }
        if (mp === 0) return reg >= 5 ? 0 : G;
        if (mp === 0xf3) return (reg <= 3 && long) || reg === 4 || reg === 5 || reg === 6 ? 0 : G;
        if (mp === 0x66) return reg === 6 ? 0 : G;
        return reg === 6 ? 0 : G;
      case 0xba: return reg >= 4 ? 0 : G;
      case 0xc7:
        if (mem) {
          if (reg === 1) return 0;
          if (reg >= 3 && reg <= 5) return mp === 0 ? 0 : G;
          if (reg === 6) return mp === 0 || mp === 0x66 || mp === 0xf3 ? 0 : G;
          if (reg === 7) return mp === 0 ? 0 : G;
          return G;
        }
        if (reg === 6) return mp === 0xf2 || (mp === 0xf3 && !long) ? G : 0; // RDRAND; F3: SENDUIPI (64-bit)
        if (reg === 7) return mp === 0xf2 ? G : 0; // RDSEED; F3: RDPID
        return G;
    }
    void rm;
    return 0;
  }
  if (map === 2 && op === 0xf6) return i.rep === 0 && !i.p66 && !mem ? UdReason.MEM_ONLY : 0;
  if (map === 2 && op >= 0xd8 && op <= 0xdf && i.rep === Rep.REP) {
    if (op === 0xd8) return mem && reg <= 3 ? 0 : G;
    if (op === 0xdc) return 0;
    return mem ? 0 : UdReason.MEM_ONLY;
  }
  if (map === 3 && op === 0xf0) return modrm === 0xc0 ? 0 : G;
  if (map === 2 && (op === 0xf0 || op === 0xf1)) {
    if (i.rep === Rep.REPNE) return 0; // CRC32
    return mem ? 0 : UdReason.MEM_ONLY; // MOVBE
  }
  return 0;
}

/** Register forms of group 7 (0F 01 C0-FF) that exist. */
function grp7RegValid(modrm: number, long: boolean, mp: number): boolean {
  const reg = (modrm >> 3) & 7;
  if (reg === 4 || reg === 6) return mp === 0 || mp === 0x66 || mp === 0xf3 || mp === 0xf2; // SMSW, LMSW
  // SVM (D8-DF), RDTSCP, CLZERO and SWAPGS ignore a mandatory prefix.
  if (mp !== 0 && ((modrm >= 0xd8 && modrm <= 0xdf) || modrm === 0xf9 || modrm === 0xfc || (modrm === 0xf8 && long))) return true;
  if (mp === 0xf3) {
    // WRMSRLIST ERETU | SETSSBSY SAVEPREVSSP | UIRET TESTUI CLUI STUI | MCOMMIT | RMPQUERY RMPADJUST PSMASH
    if (modrm === 0xe8 || modrm === 0xea || modrm === 0xfa) return true;
    return long && (modrm === 0xc6 || modrm === 0xca || (modrm >= 0xec && modrm <= 0xef) || modrm >= 0xfd);
  }
  if (mp === 0xf2) {
    // RDMSRLIST ERETS | XSUSLDTRK XRESLDTRK | PVALIDATE | RMPUPDATE
    if (modrm === 0xe8 || modrm === 0xe9 || modrm === 0xff) return true;
    return long && (modrm === 0xc6 || modrm === 0xca || modrm === 0xfe);
  }
  if (mp === 0x66) return modrm === 0xcc || (long && modrm >= 0xcd && modrm <= 0xcf); // TDCALL, SEAMRET SEAMOPS SEAMCALL
  if (mp !== 0) return false;
  switch (modrm) {
    case 0xc1: case 0xc2: case 0xc3: case 0xc4: // VMCALL..VMXOFF
    case 0xc8: case 0xc9: case 0xca: case 0xcb: // MONITOR MWAIT CLAC STAC
    case 0xd0: case 0xd1: case 0xd4: case 0xd5: case 0xd6: // XGETBV XSETBV VMFUNC XEND XTEST
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf: // SVM
    case 0xf9: case 0xfa: case 0xfb: case 0xfc: // RDTSCP MONITORX MWAITX CLZERO
    case 0xc0: case 0xc5: case 0xc6: case 0xcf: case 0xd7: // ENCLV PCONFIG WRMSRNS ENCLS ENCLU
    case 0xe8: case 0xee: case 0xef: case 0xfd: case 0xfe: case 0xff: // SERIALIZE RDPKRU WRPKRU RDPRU INVLPGB TLBSYNC
      return true;
    case 0xf8: return long; // SWAPGS
    case 0xc7: return long; // PBNDKB
  }
  return false;
}

/** 3DNow! opcodes (the immediate byte of 0F 0F). */
const THREE_DNOW_VALID = new Uint8Array(256);
for (const o of [0x0c, 0x0d, 0x1c, 0x1d, 0x8a, 0x8e, 0x90, 0x94, 0x96, 0x97, 0x9a, 0x9e, 0xa0, 0xa4, 0xa6, 0xa7,
  0xaa, 0xae, 0xb0, 0xb4, 0xb6, 0xb7, 0xbb, 0xbf]) THREE_DNOW_VALID[o] = 1;

/** x87 escape validity (register forms that are reserved are #UD). */
function x87Valid(op: number, modrm: number, reg: number, mem: boolean): number {
  const G = UdReason.GROUP;
  if (mem) {
    if (op === 0xd9 && reg === 1) return G;
    if (op === 0xdb && (reg === 4 || reg === 6)) return G;
    if (op === 0xdd && reg === 5) return G;
    return 0;
  }
  switch (op) {
    case 0xd9:
      if (modrm >= 0xd1 && modrm <= 0xd7) return G;
      if (modrm === 0xe2 || modrm === 0xe3 || modrm === 0xe6 || modrm === 0xe7 || modrm === 0xef) return G;
      return 0;
    case 0xda: return modrm < 0xe0 || modrm === 0xe9 ? 0 : G;
    case 0xdb: return modrm < 0xe0 || (modrm >= 0xe0 && modrm <= 0xe4) || (modrm >= 0xe8 && modrm <= 0xf7) ? 0 : G;
    case 0xdd: return modrm < 0xf0 ? 0 : G;
    case 0xde: return modrm < 0xd8 || modrm > 0xdf || modrm === 0xd9 ? 0 : G;
    case 0xdf: return modrm < 0xe0 || modrm === 0xe0 || (modrm >= 0xe8 && modrm <= 0xf7) ? 0 : G;
  }
  return 0;
}

/**
 * VEX (C4/C5), EVEX (62) and XOP (8F) encodings: decoded for their length
 * only; executing one raises #UD (the CPU advertises no AVX).
 */
function decodeVexFamily(buf: Uint8Array, start: number, pos: number, limit: number, end: number, esc: number,
  asz: number, long: boolean, badPrefix: boolean, i: Insn): number {
  let map: number;
  if (esc === 0xc5) {
    pos += 1; map = 1;
  } else if (esc === 0x62) {
    if (pos + 3 > limit) return tooLong(i, pos + 3, start, end);
    map = buf[pos]! & 7;
    pos += 3;
  } else {
    if (pos + 2 > limit) return tooLong(i, pos + 2, start, end);
    map = buf[pos]! & 0x1f;
    pos += 2;
  }
  if (pos >= limit) return tooLong(i, pos + 1, start, end);
  const op = buf[pos++]!;
  i.map = 4; i.opc = op; i.attrs = 0; i.blockEnd = true;
  const hasModrm = !(esc === 0xc5 || esc === 0xc4) || !(map === 1 && op === 0x77);
  if (hasModrm) {
    if (pos >= limit) return tooLong(i, pos + 1, start, end);
    const modrm = buf[pos++]!;
    const mod = modrm >> 6, rm = modrm & 7;
    if (mod !== 3) {
      if (asz === 0) {
        if (mod === 0 && rm === 6) pos += 2; else if (mod === 1) pos += 1; else if (mod === 2) pos += 2;
      } else {
        if (rm === 4) {
          if (pos >= limit) return tooLong(i, pos + 1, start, end);
          const sib = buf[pos++]!;
          if ((sib & 7) === 5 && mod === 0) pos += 4;
        } else if (rm === 5 && mod === 0) pos += 4;
        if (mod === 1) pos += 1; else if (mod === 2) pos += 4;
      }
    }
  }
  if (esc === 0x8f && map === 0x0a) pos += 4;
  else if (vexHasImm8(map, op)) pos += 1;
  if (pos > limit) return tooLong(i, pos, start, end);
  void long; void badPrefix;
  i.len = pos - start;
  i.ud = UdReason.VEX;
  return i.len;
}
