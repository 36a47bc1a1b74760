/**
 * What the committed fixtures cover, decoded with iced-x86: cases per family
 * and mode, distinct mnemonics, and cases per operand size of the instruction
 * under test (the last instruction of each snippet).
 *
 *   npm run fixtures:cpu -- --stats
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Code, Decoder, DecoderOptions, MemorySize, Mnemonic, OpKind, Register } from 'iced-x86';
import { decodeFixtureFile, type FixtureFile, hexToBytes } from './format.js';

/** Operand size of an instruction: its first register or memory operand's width in bits (0 when it has none). */
function operandBits(i: ReturnType<Decoder['decode']>): number {
  for (let k = 0; k < i.opCount; k++) {
    const kind = i.opKind(k);
    if (kind === OpKind.Register) {
      const name = Register[i.opRegister(k)] ?? '';
      if (/^(R\d+L|[ABCD][LH]|SPL|BPL|SIL|DIL)$/.test(name)) return 8;
      if (/^(R\d+W|[ABCD]X|SP|BP|SI|DI)$/.test(name)) return 16;
      if (/^(R\d+D|E[ABCD]X|ESP|EBP|ESI|EDI)$/.test(name)) return 32;
      if (/^(R\d+|R[ABCD]X|RSP|RBP|RSI|RDI)$/.test(name)) return 64;
    }
    if (kind === OpKind.Memory) {
      const size = MemorySize[i.memorySize] ?? '';
      const bytes = [1, 2, 4, 8].find((b) => new RegExp(`^(UInt|Int)${b * 8}$`).test(size));
      if (bytes) return bytes * 8;
    }
  }
  return 0;
}

export function fixtureStats(dir: string): string {
  const files: FixtureFile[] = readdirSync(dir).filter((n) => n.endsWith('.json.gz')).sort().map((n) => decodeFixtureFile(readFileSync(join(dir, n))));
  const mnemonics = new Set<string>();
  const bySize = new Map<string, number>();
  const lines: string[] = [];
  let total = 0;
  for (const f of files) {
    const perMode = new Map<number, number>();
    for (const c of f.cases) {
      perMode.set(c.mode, (perMode.get(c.mode) ?? 0) + 1);
      const d = new Decoder(c.mode, hexToBytes(c.code), DecoderOptions.None);
      let last: ReturnType<Decoder['decode']> | undefined;
      while (d.canDecode) {
        const i = d.decode();
        if (i.code !== Code.INVALID) mnemonics.add(Mnemonic[i.mnemonic]!.toLowerCase());
        last?.free();
        last = i;
      }
      const bits = last && last.code !== Code.INVALID ? operandBits(last) : 0;
      const key = `${c.mode}-bit code, ${bits ? `${bits}-bit operands` : 'no sized operand'}`;
      bySize.set(key, (bySize.get(key) ?? 0) + 1);
      last?.free();
      d.free();
    }
    total += f.cases.length;
    const modes = [64, 32, 16].map((m) => `${m}-bit ${String(perMode.get(m) ?? 0).padStart(5)}`).join('  ');
    lines.push(`${f.family.padEnd(10)} ${modes}  (${f.recordedBy})`);
  }
  lines.push(`total ${total} cases, ${mnemonics.size} distinct mnemonics`);
  for (const [k, n] of [...bySize].sort()) lines.push(`  ${k}: ${n}`);
  lines.push(`mnemonics: ${[...mnemonics].sort().join(' ')}`);
  return lines.join('\n') + '\n';
}
