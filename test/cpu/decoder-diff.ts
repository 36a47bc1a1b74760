/**
 * Differential decoding against iced-x86: random byte strings decoded by
 * both decoders, comparing length and validity. Shared by the CI test and
 * the full-size run (`npm run test:decoder-full`).
 */
import { Decoder, DecoderOptions, Instruction } from 'iced-x86';
import { decode } from '../../src/cpu/decoder/decoder.js';
import { Insn } from '../../src/cpu/decoder/insn.js';
import { CodeSize } from '../../src/cpu/state.js';

export interface DiffMismatch {
  bytes: string;
  icedValid: boolean;
  icedLen: number;
  ourValid: boolean;
  ourLen: number;
  ourUd: number;
}

export interface DiffResult {
  cases: number;
  /** Cases in VEX/EVEX/XOP space, compared by length only. */
  vexCases: number;
  icedValid: number;
  mismatches: DiffMismatch[];
}

/** xorshift32: a reproducible byte stream. */
function fillRandom(buf: Uint8Array, seed: number): void {
  let x = seed | 0 || 1;
  for (let k = 0; k < buf.length; k += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    buf[k] = x; buf[k + 1] = x >>> 8; buf[k + 2] = x >>> 16; buf[k + 3] = x >>> 24;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Systematic cases: for every opcode of a map, every mandatory prefix (none,
 * 66, F3, F2) and every ModRM byte, followed by random bytes. Random strings
 * rarely hit a given prefix + opcode + ModRM combination; this covers them all.
 */
export function decoderDiffSystematic(bitness: 16 | 32 | 64, escape: number[], seed: number, maxReported = 50): DiffResult {
  const STRIDE = 16;
  const prefixes = [[], [0x66], [0xf3], [0xf2]];
  const n = 256 * 256 * prefixes.length;
  const buf = new Uint8Array(n * STRIDE + STRIDE);
  fillRandom(buf, seed);
  let c = 0;
  for (const p of prefixes) {
    for (let op = 0; op < 256; op++) {
      for (let modrm = 0; modrm < 256; modrm++) {
        const bytes = [...p, ...escape, op, modrm];
        buf.set(bytes, c * STRIDE);
        c++;
      }
    }
  }
  return compare(bitness, buf, n, STRIDE, maxReported);
}

export function decoderDiff(bitness: 16 | 32 | 64, cases: number, seed: number, maxReported = 50): DiffResult {
  const STRIDE = 16;
  const CHUNK = 65536;
  const total: DiffResult = { cases: 0, vexCases: 0, icedValid: 0, mismatches: [] };
  let done = 0;
  let chunkNo = 0;
  while (done < cases) {
    const n = Math.min(CHUNK, cases - done);
    const buf = new Uint8Array(n * STRIDE + STRIDE);
    fillRandom(buf, (seed + chunkNo * 0x9e3779b9) | 0);
    chunkNo++;
    const r = compare(bitness, buf, n, STRIDE, maxReported - total.mismatches.length);
    total.cases += r.cases; total.vexCases += r.vexCases; total.icedValid += r.icedValid;
    total.mismatches.push(...r.mismatches.filter((m) => m !== undefined));
    total.mismatches.length += r.mismatches.length - r.mismatches.filter((m) => m !== undefined).length;
    done += n;
  }
  return total;
}

/** Decode the n cases at buf[k * stride] with both decoders. */
function compare(bitness: 16 | 32 | 64, buf: Uint8Array, n: number, stride: number, maxReported: number): DiffResult {
  const codeSize = bitness === 64 ? CodeSize.Bits64 : bitness === 32 ? CodeSize.Bits32 : CodeSize.Bits16;
  const insn = new Insn(() => {});
  const result: DiffResult = { cases: 0, vexCases: 0, icedValid: 0, mismatches: [] };
  const instr = new Instruction();
  const dec = new Decoder(bitness, buf, DecoderOptions.None);
  try {
    for (let c = 0; c < n; c++) {
      const off = c * stride;
      dec.position = off;
      dec.decodeOut(instr);
      const icedValid = instr.code !== 0;
      const icedLen = instr.length;
      const ourLen = decode(buf, off, buf.length, codeSize, insn);
      const vex = insn.map === 4 || insn.vex !== 0;
      const ourValid = insn.ud === 0;
      result.cases++;
      if (icedValid) result.icedValid++;
      if (vex) result.vexCases++;
      const bad = vex ? icedValid && ourLen !== icedLen : icedValid !== ourValid || (icedValid && ourLen !== icedLen);
      if (bad) {
        if (result.mismatches.length < maxReported) {
          result.mismatches.push({ bytes: hex(buf.subarray(off, off + 15)), icedValid, icedLen, ourValid, ourLen, ourUd: insn.ud });
        } else result.mismatches.length++;
      }
    }
  } finally {
    dec.free();
    instr.free();
  }
  return result;
}
