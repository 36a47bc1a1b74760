/**
 * The decoder against iced-x86 on random byte strings, in 16-, 32- and
 * 64-bit code: same length and same validity (VEX/EVEX/XOP: same length;
 * we decode them only to raise #UD).
 *
 * DECODER_DIFF_CASES sets the number of byte strings per mode (default one
 * million, ~1-2 s per mode); DECODER_DIFF_SEED the PRNG seed.
 * `npm run test:decoder-full` runs ten million per mode.
 */
import { describe, expect, test } from 'vitest';
import { decoderDiff, decoderDiffSystematic } from './decoder-diff.js';

const CASES = Number(process.env.DECODER_DIFF_CASES ?? 1_000_000);
const SEED = Number(process.env.DECODER_DIFF_SEED ?? 0x2545f491);

describe('decoder vs iced-x86 on random bytes', () => {
  for (const bits of [16, 32, 64] as const) {
    test(`${bits}-bit: ${CASES} byte strings`, () => {
      const r = decoderDiff(bits, CASES, SEED + bits);
      expect(r.cases).toBe(CASES);
      // The comparison must have exercised both outcomes.
      expect(r.icedValid).toBeGreaterThan(CASES / 4);
      expect(r.icedValid).toBeLessThan(CASES);
      expect(r.mismatches.slice(0, 20)).toEqual([]);
      expect(r.mismatches.length).toBe(0);
    });
  }
});

describe('decoder vs iced-x86, systematic: every map x opcode x mandatory prefix x ModRM', () => {
  const maps: [string, number[]][] = [['one-byte', []], ['0F', [0x0f]], ['0F38', [0x0f, 0x38]], ['0F3A', [0x0f, 0x3a]]];
  for (const bits of [16, 32, 64] as const) {
    test(`${bits}-bit`, () => {
      for (const [name, esc] of maps) {
        const r = decoderDiffSystematic(bits, esc, SEED + bits);
        expect({ map: name, mismatches: r.mismatches.slice(0, 10) }).toEqual({ map: name, mismatches: [] });
        expect(r.mismatches.length).toBe(0);
      }
    });
  }
});
