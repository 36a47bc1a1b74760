/**
 * SSE/SSE2 data movement and bitwise operations (32- and 64-bit code):
 * each snippet loads XMM registers from memory with MOVDQU, runs one
 * instruction, and stores the registers it may change back to memory
 * (general registers are compared as usual). Aligned forms also run with a
 * misaligned operand (#GP).
 */
import { DATA_PTR, type Family, type GenContext, offsetOf } from './common.js';
import { Case, type CaseSpec } from '../spec.js';

const IN = DATA_PTR;          // two 16-byte sources at +0, +0x10 (16-byte aligned)
const OUT = DATA_PTR + 0x100; // results

export const sse: Family = {
  name: 'sse',
  covers: 'SSE2 packed-integer arithmetic (padd psub with saturation, pmul*, pmaddwd, pavg, pmin/pmax, psadbw, pcmpgt, shifts, packs, pextrw pinsrw, movmskps/pd); SSE/SSE2 moves (movaps movups movapd movupd movdqa movdqu movss movsd movlps movhps movhlps movlhps movd movq movnt*), pand pandn por pxor andps..xorpd, pcmpeqb/w/d, pmovmskb, pshufd/hw/lw, shufps, punpck*, pslldq psrldq, ldmxcsr stmxcsr',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    if (mode === 16) return [];
    const out: CaseSpec[] = [];
    const b = mode === 64 ? 'rbx' : 'ebx';
    const at = (addr: number): string => `[${b}+0x${(addr - IN).toString(16)}]`;
    const hi = mode === 64 ? 8 : 0; // 64-bit code also exercises xmm8-15
    const mk = (name: string, body: string[], regsOut: number[], misalign = 0): CaseSpec => {
      const c = new Case(mode, name, '');
      c.set(b, offsetOf(mode, IN));
      const bytes = new Uint8Array(32);
      for (let k = 0; k < 32; k++) bytes[k] = rng.below(256);
      // equal bytes now and then, for the compares
      if (rng.bool()) for (let k = rng.below(8); k < 16; k += 1 + rng.below(3)) bytes[16 + k] = bytes[k]!;
      c.storeBytes(IN, bytes);
      c.flags(rng.status());
      const asm = [`movdqu xmm${1 + hi}, ${at(IN)}`, `movdqu xmm${2}, ${at(IN + 16)}`, ...body.map((l) => l.replace(/\{m\}/g, `[${b}+0x${(misalign).toString(16)}]`)),
        ...regsOut.map((r, k) => `movdqu ${at(OUT + 16 * k)}, xmm${r}`)];
      return { ...c.spec(), asm: asm.join('\n') };
    };
    const A = 1 + hi, B = 2;
    for (let k = 0; k < 4; k++) {
      for (const op of ['movaps', 'movups', 'movapd', 'movupd', 'movdqa', 'movdqu']) {
        out.push(mk(`${op} xmm, xmm`, [`${op} xmm${A}, xmm${B}`], [A]));
        out.push(mk(`${op} xmm, m128`, [`${op} xmm${A}, {m}`], [A], 0x10));
        out.push(mk(`${op} m128, xmm`, [`${op} [${b}+0x100], xmm${B}`], []));
        if (op.endsWith('a') || op === 'movapd' || op === 'movaps' || op === 'movdqa') out.push(mk(`${op} xmm, m128 (misaligned)`, [`${op} xmm${A}, {m}`], [A], 8));
      }
      for (const op of ['movss', 'movsd']) {
        out.push(mk(`${op} xmm, xmm`, [`${op} xmm${A}, xmm${B}`], [A]));
        out.push(mk(`${op} xmm, m`, [`${op} xmm${A}, {m}`], [A], 0x10));
        out.push(mk(`${op} m, xmm`, [`${op} [${b}+0x100], xmm${B}`], []));
      }
      for (const op of ['movlps', 'movhps', 'movlpd', 'movhpd']) {
        out.push(mk(`${op} xmm, m64`, [`${op} xmm${A}, {m}`], [A], 0x14));
        out.push(mk(`${op} m64, xmm`, [`${op} [${b}+0x100], xmm${B}`], []));
      }
      out.push(mk('movhlps', [`movhlps xmm${A}, xmm${B}`], [A]));
      out.push(mk('movlhps', [`movlhps xmm${A}, xmm${B}`], [A]));
      for (const op of ['movntps', 'movntpd', 'movntdq']) out.push(mk(`${op} m128, xmm`, [`${op} [${b}+0x100], xmm${B}`], []));
      const r32 = mode === 64 ? 'r9d' : 'ecx';
      out.push(mk('movd xmm, r32', [`mov ${r32}, ${Number(rng.bits(32))}`, `movd xmm${A}, ${r32}`], [A]));
      out.push(mk('movd r32, xmm', [`movd ${r32}, xmm${B}`], []));
      out.push(mk('movd xmm, m32', [`movd xmm${A}, {m}`], [A], 0x1c));
      out.push(mk('movd m32, xmm', [`movd [${b}+0x100], xmm${B}`], []));
      if (mode === 64) {
        out.push(mk('movq xmm, r64', [`mov r10, ${rng.bits(64)}`, `movq xmm${A}, r10`], [A]));
        out.push(mk('movq r64, xmm', [`movq r10, xmm${B}`], []));
      }
      out.push(mk('movq xmm, xmm', [`movq xmm${A}, xmm${B}`], [A]));
      out.push(mk('movq xmm, m64', [`movq xmm${A}, {m}`], [A], 0x18));
      out.push(mk('movq m64, xmm', [`movq [${b}+0x100], xmm${B}`], []));
      for (const op of ['pand', 'pandn', 'por', 'pxor', 'andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd',
        'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw', 'punpckhwd', 'punpckhdq', 'punpckhqdq']) {
        out.push(mk(`${op} xmm, xmm`, [`${op} xmm${A}, xmm${B}`], [A]));
        out.push(mk(`${op} xmm, m128`, [`${op} xmm${A}, {m}`], [A], 0x10));
      }
      out.push(mk('pxor xmm, xmm (itself)', [`pxor xmm${A}, xmm${A}`], [A]));
      out.push(mk('pcmpeqb xmm, xmm (itself)', [`pcmpeqb xmm${A}, xmm${A}`], [A]));
      out.push(mk('pmovmskb r32, xmm', [`pmovmskb ${r32}, xmm${B}`], []));
      const imm = rng.below(256);
      for (const op of ['pshufd', 'pshufhw', 'pshuflw', 'shufps']) out.push(mk(`${op} xmm, xmm, imm8`, [`${op} xmm${A}, xmm${B}, ${imm}`], [A]));
      for (const op of ['pslldq', 'psrldq']) out.push(mk(`${op} xmm, imm8`, [`${op} xmm${B}, ${[0, 1, 7, 15, 16, 200][(k + imm) % 6]}`], [B]));
    }
    // SSE2 packed-integer arithmetic
    const INT_OPS = ['paddb', 'paddw', 'paddd', 'paddq', 'paddsb', 'paddsw', 'paddusb', 'paddusw', 'psubb', 'psubw', 'psubd', 'psubq',
      'psubsb', 'psubsw', 'psubusb', 'psubusw', 'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd', 'pavgb', 'pavgw', 'pminub', 'pmaxub',
      'pminsw', 'pmaxsw', 'psadbw', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'packsswb', 'packuswb', 'packssdw',
      'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad', 'psllw', 'pslld', 'psllq'];
    for (let k = 0; k < 6; k++) {
      for (const op of INT_OPS) {
        if (op.startsWith('ps') && /^ps(r|l)[la]?[wdq]$/.test(op) && !op.startsWith('psub') && !op.startsWith('psad')) {
          // shifts: by an XMM count (small, equal to the lane width, huge) and by an immediate
          const cnt = [0, 1, 3, 15, 16, 31, 32, 63, 64, 200][(k * 3 + op.length) % 10]!;
          out.push(mk(`${op} xmm, xmm`, [`mov ${mode === 64 ? 'r10' : 'ecx'}, ${cnt}`, `movd xmm${B}, ${mode === 64 ? 'r10d' : 'ecx'}`, `${op} xmm${A}, xmm${B}`], [A]));
          out.push(mk(`${op} xmm, imm8`, [`${op} xmm${A}, ${cnt}`], [A]));
          continue;
        }
        out.push(mk(`${op} xmm, xmm`, [`${op} xmm${A}, xmm${B}`], [A]));
        if (k < 2) out.push(mk(`${op} xmm, m128`, [`${op} xmm${A}, {m}`], [A], 0x10));
      }
      const r32 = mode === 64 ? 'r9d' : 'ecx';
      out.push(mk('pextrw r32, xmm, imm8', [`pextrw ${r32}, xmm${B}, ${k + 1}`], []));
      out.push(mk('pinsrw xmm, r32, imm8', [`mov ${r32}, ${Number(rng.bits(32))}`, `pinsrw xmm${A}, ${r32}, ${k}`], [A]));
      out.push(mk('pinsrw xmm, m16, imm8', [`pinsrw xmm${A}, {m}, ${7 - k}`], [A], 0x12));
      out.push(mk('movmskps r32, xmm', [`movmskps ${r32}, xmm${B}`], []));
      out.push(mk('movmskpd r32, xmm', [`movmskpd ${r32}, xmm${B}`], []));
    }
    out.push(mk('stmxcsr / ldmxcsr', [`stmxcsr [${b}+0x100]`, `mov dword [${b}+0x104], 0x1fc0`, `ldmxcsr [${b}+0x104]`, `stmxcsr [${b}+0x108]`, `ldmxcsr [${b}+0x100]`], []));
    out.push(mk('ldmxcsr with a reserved bit', [`mov dword [${b}+0x104], 0x11f80`, `ldmxcsr [${b}+0x104]`], []));
    return out;
  },
};
