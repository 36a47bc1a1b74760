/**
 * Data movement: mov in every form (r/m,r; r,r/m; immediates incl. imm64
 * and sign-extended imm32; moffs), movzx movsx movsxd, xchg (incl. the 0x90
 * short forms and xchg eax,eax in 64-bit code), bswap, lea with every
 * addressing shape and address size, xlat, lahf/sahf, cbw cwde cdqe cwd cdq
 * cqo.
 */
import { Case, type CaseSpec, mask, type Width, widthsOf } from '../spec.js';
import { edges } from '../values.js';
import { DATA_PTR, type Family, type GenContext, memRef, offsetOf, oneReg, opPrefix, SIZE_KW, twoRegs } from './common.js';

export const move: Family = {
  name: 'move',
  covers: 'mov (all forms, moffs, imm64) movzx movsx movsxd xchg bswap lea (all address forms/sizes) xlat lahf sahf cbw cwde cdqe cwd cdq cqo',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    let k = 0;
    const acc = { 8: 'al', 16: 'ax', 32: 'eax', 64: 'rax' } as const;
    for (const w of widthsOf(mode)) {
      const kw = SIZE_KW[w];
      for (let i = 0; i < 6; i++) {
        const [d, s] = twoRegs(mode, w, k++);
        out.push(new Case(mode, `mov r${w}, r${w}`, `mov ${d}, ${s}`).set(s, rng.value(w)).spec());
      }
      // the r, r/m opcode (8A/8B) with a register operand, which assemblers do not pick
      const rm = w === 8 ? 0x8a : 0x8b;
      const pre = opPrefix(mode, w);
      out.push(new Case(mode, `mov r${w}, r/m${w} (0x${rm.toString(16)})`, `db ${pre}0x${rm.toString(16)}, 0xc3`).set(acc[w], rng.value(w)).set(w === 8 ? 'bl' : w === 16 ? 'bx' : w === 32 ? 'ebx' : 'rbx', rng.value(w)).spec());
      for (let i = 0; i < 4; i++) {
        const [d] = twoRegs(mode, w, k++);
        const c1 = new Case(mode, `mov r${w}, m${w}`, '').store(DATA_PTR, rng.bits(64), 8);
        out.push({ ...c1.spec(), asm: `mov ${d}, ${kw} ${memRef(c1, k, DATA_PTR, [d])}` });
        const c2 = new Case(mode, `mov m${w}, r${w}`, '').set(d, rng.value(w));
        out.push({ ...c2.spec(), asm: `mov ${kw} ${memRef(c2, k + 1, DATA_PTR, [d])}, ${d}` });
      }
      for (const v of [0n, mask(w), rng.value(w), 1n << BigInt(w - 1)]) {
        const [d] = twoRegs(mode, w, k++);
        const text = w === 64 ? `${BigInt.asIntN(64, v)}` : `0x${v.toString(16)}`;
        out.push(new Case(mode, `mov r${w}, imm`, `mov ${d}, ${text}`).spec());
        if (w !== 64 || BigInt.asIntN(64, v) === BigInt.asIntN(32, v)) {
          const c = new Case(mode, `mov m${w}, imm`, '');
          out.push({ ...c.spec(), asm: `mov ${kw} ${memRef(c, k, DATA_PTR)}, ${text}` });
        }
      }
      if (w === 64) {
        out.push(new Case(mode, 'mov r64, imm64', 'mov r11, 0x123456789abcdef0').spec());
        out.push(new Case(mode, 'mov r64, simm32', 'mov r11, strict dword -5').spec());
        out.push(new Case(mode, 'mov r32, imm32 (zero-extends)', 'mov r11d, 0xfffffffe').spec());
      }
      // moffs: accumulator to/from an absolute address
      const abs = mode === 64 ? 'qword ' : '';
      const moff = (a: number): string => `${abs}${offsetOf(mode, a)}`;
      out.push(new Case(mode, `mov ${acc[w]}, moffs`, `mov ${acc[w]}, [${moff(DATA_PTR + 8)}]`).store(DATA_PTR + 8, rng.bits(64), 8).spec());
      out.push(new Case(mode, `mov moffs, ${acc[w]}`, `mov [${moff(DATA_PTR + 16)}], ${acc[w]}`).set(acc[w], rng.value(w)).spec());
      // xchg
      for (let i = 0; i < 4; i++) {
        const [d, s] = twoRegs(mode, w, k++);
        out.push(new Case(mode, `xchg r${w}, r${w}`, `xchg ${d}, ${s}`).set(d, rng.value(w)).set(s, rng.value(w)).spec());
        const c = new Case(mode, `xchg m${w}, r${w}`, '').set(s, rng.value(w)).store(DATA_PTR, rng.bits(64), 8);
        out.push({ ...c.spec(), asm: `xchg ${kw} ${memRef(c, k, DATA_PTR, [s])}, ${s}` });
      }
      if (w !== 8) {
        const [, s] = twoRegs(mode, w, k++);
        out.push(new Case(mode, `xchg ${acc[w]}, r${w} (90+r)`, `xchg ${acc[w]}, ${s}`).set(acc[w], rng.value(w)).set(s, rng.value(w)).spec());
      }
    }
    out.push(new Case(mode, 'nop (0x90, xchg eax, eax)', 'db 0x90').spec());
    out.push(new Case(mode, 'xchg eax, eax (87 c0)', 'db 0x87, 0xc0').spec());
    if (mode === 64) out.push(new Case(mode, 'xchg r8, rax (REX.B 90)', 'db 0x49, 0x90').spec());
    // movzx / movsx / movsxd
    const ext: [string, Width, Width][] = [['movzx', 16, 8], ['movzx', 32, 8], ['movzx', 32, 16], ['movsx', 16, 8], ['movsx', 32, 8], ['movsx', 32, 16]];
    if (mode === 64) ext.push(['movzx', 64, 8], ['movzx', 64, 16], ['movsx', 64, 8], ['movsx', 64, 16], ['movsxd', 64, 32]);
    for (const [op, dw, sw] of ext) {
      for (const v of [0n, 1n, 1n << BigInt(sw - 1), mask(sw), rng.value(sw), rng.value(sw)]) {
        const d = twoRegs(mode, dw, k++)[0];
        const s = twoRegs(mode, sw, k++)[1];
        out.push(new Case(mode, `${op} r${dw}, r${sw}`, `${op} ${d}, ${s}`).set(s, v).spec());
      }
      const d = twoRegs(mode, dw, k++)[0];
      const c = new Case(mode, `${op} r${dw}, m${sw}`, '').store(DATA_PTR, rng.bits(64) | (1n << 63n), 8);
      out.push({ ...c.spec(), asm: `${op} ${d}, ${SIZE_KW[sw]} ${memRef(c, k, DATA_PTR, [d])}` });
    }
    // bswap; a 16-bit operand gives an undefined result
    for (const w of widthsOf(mode).filter((x) => x >= 32)) {
      for (let i = 0; i < 4; i++) {
        const r = oneReg(mode, w, k++);
        out.push(new Case(mode, `bswap r${w}`, `bswap ${r}`).set(r, rng.bits(w)).spec());
      }
    }
    out.push(new Case(mode, 'bswap r16 (undefined)', `db ${opPrefix(mode, 16)}0x0f, 0xcb`).set('ebx', rng.bits(32)).undefined(0, 'bx').spec());
    // lea: every addressing shape
    const leas = mode === 64
      ? ['lea rax, [rbx]', 'lea rax, [rbx+rcx]', 'lea rax, [rbx+rcx*2+0x10]', 'lea rax, [rbx+rcx*8-0x80]', 'lea rax, [rcx*4+0x12345678]', 'lea rax, [rbp]',
        'lea rax, [r13]', 'lea rax, [r12+r13*4]', 'lea rax, [rsp+0x20]', 'lea eax, [rbx+rcx*4]', 'lea ax, [rbx+rcx+0x7fff]', 'lea rax, [ebx+ecx*2+0x10]',
        'lea eax, [ebx-1]', 'lea rax, [rel .x]\n.x:', 'lea r15, [rsi+rdi*1+0x7fffffff]', 'lea rax, [0x7fffffff]', 'lea rax, [abs -1]', 'lea rdx, [rdx+rdx*8]', 'lea rax, [rbx+r12*1]']
      : ['lea eax, [ebx]', 'lea eax, [ebx+ecx]', 'lea eax, [ebx+ecx*2+0x10]', 'lea eax, [ebx+ecx*8-0x80]', 'lea eax, [ecx*4+0x12345678]', 'lea eax, [ebp]',
        'lea eax, [esp+0x20]', 'lea ax, [ebx+ecx+0x7fff]', 'lea eax, [bx+si+0x10]', 'lea eax, [bp+di-1]', 'lea ax, [bx]', 'lea eax, [0x1234]', 'lea eax, [word 0xfffe]',
        'lea edx, [edx+edx*8]', 'lea eax, [si+0x7fff]', 'lea ax, [bp]'];
    for (const asm of leas) {
      for (let i = 0; i < 3; i++) {
        const c = new Case(mode, `lea (${asm.split('\n')[0]!.replace(/^lea \w+, /, '')})`, asm);
        for (const r of ['rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', ...(mode === 64 ? ['r12', 'r13'] : [])]) c.set(mode === 64 ? r : 'e' + r.slice(1), i === 0 ? mask(mode) : rng.value(mode === 64 ? 64 : 32));
        out.push(c.spec());
      }
    }
    // xlat
    // (a16 xlat in 32-bit code would need a table below 64 KiB: not generated)
    for (const a of mode === 32 ? [''] : ['', 'a32 ']) {
      for (let i = 0; i < 4; i++) {
        const c = new Case(mode, `${a}xlatb`, `${a}xlatb`).set(mode === 64 ? 'rbx' : 'ebx', offsetOf(mode, DATA_PTR)).set('al', rng.bits(8));
        if (a && mode === 64) c.set('rbx', BigInt(DATA_PTR) | 0xff00000000n);
        if (!a && mode === 16) c.set('ebx', offsetOf(mode, DATA_PTR) | 0xabcd0000n);
        out.push(c.spec());
      }
    }
    // lahf/sahf: every AH value once per mode
    for (let ah = 0; ah < 256; ah++) out.push(new Case(mode, 'sahf', 'sahf').set('ah', BigInt(ah)).flags(rng.status()).spec());
    for (let i = 0; i < 16; i++) out.push(new Case(mode, 'lahf', 'lahf').set('ah', rng.bits(8)).flags(rng.status()).spec());
    // sign extension of the accumulator
    const cvt: [string, Width][] = [['cbw', 16], ['cwde', 32], ['cwd', 16], ['cdq', 32]];
    if (mode === 64) cvt.push(['cdqe', 64], ['cqo', 64]);
    for (const [op, w] of cvt) {
      for (const v of [...edges(w), rng.bits(w)]) out.push(new Case(mode, op, op).set(acc[w], v).set(w === 16 ? 'dx' : w === 32 ? 'edx' : 'rdx', rng.bits(w)).spec());
    }
    return out;
  },
};
