/**
 * The stack: push and pop of registers (incl. rSP itself), immediates and
 * memory in each operand size, segment registers, pushf/popf, pusha/popa
 * (32-bit code; #UD in 64-bit), enter with nesting levels and leave.
 */
import { DATA_PTR, dataBase, STACK_TOP } from '../layout.js';
import { Case, type CaseSpec } from '../spec.js';
import { type Family, type GenContext, memRef } from './common.js';

export const stack: Family = {
  name: 'stack',
  covers: 'push pop (registers, rsp, imm8/imm16/imm32, memory, segment registers; 16-bit operand size) pushf popf pusha popa enter leave',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    const W = mode === 64 ? 64 : 32;
    // register values are offsets from the data segment base (0 except in 16-bit code)
    const off = (linear: number): bigint => BigInt(linear - dataBase(mode));
    const gp = mode === 64 ? ['rax', 'rcx', 'rbx', 'rbp', 'rsi', 'r8', 'r12', 'r15'] : ['eax', 'ecx', 'ebx', 'ebp', 'esi', 'edi'];
    const g16 = ['ax', 'cx', 'bx', 'si', ...(mode === 64 ? ['r9w'] : [])];
    for (const r of gp) {
      out.push(new Case(mode, `push r${W}`, `push ${r}`).set(r, rng.bits(W)).spec());
      out.push(new Case(mode, `pop r${W}`, `pop ${r}`).store(STACK_TOP, rng.bits(64), 8).spec());
    }
    for (const r of g16) {
      out.push(new Case(mode, 'push r16', `push ${r}`).set(r, rng.bits(16)).spec());
      out.push(new Case(mode, 'pop r16', `pop ${r}`).store(STACK_TOP, rng.bits(64), 8).spec());
    }
    const sp = mode === 64 ? 'rsp' : 'esp';
    out.push(new Case(mode, `push ${sp}`, `push ${sp}`).spec());
    out.push(new Case(mode, `pop ${sp}`, `pop ${sp}`).store(STACK_TOP, off(STACK_TOP - 0x40), 8).spec());
    out.push(new Case(mode, 'push sp', 'push sp').spec());
    for (const v of ['0x7f', '-1', '-128', '0x12345678', '-0x80000000']) {
      out.push(new Case(mode, 'push imm', `push ${mode === 64 ? '' : 'dword '}${v}`).spec());
    }
    out.push(new Case(mode, 'push imm16', 'push word 0x1234').spec());
    out.push(new Case(mode, 'push imm8 (operand-size prefix)', 'db 0x66, 0x6a, 0x80').spec());
    for (let i = 0; i < 3; i++) {
      const c1 = new Case(mode, `push m${W}`, '').store(DATA_PTR, rng.bits(64), 8);
      out.push({ ...c1.spec(), asm: `push ${mode === 64 ? 'qword' : 'dword'} ${memRef(c1, i, DATA_PTR)}` });
      const c2 = new Case(mode, `pop m${W}`, '').store(STACK_TOP, rng.bits(64), 8);
      out.push({ ...c2.spec(), asm: `pop ${mode === 64 ? 'qword' : 'dword'} ${memRef(c2, i, DATA_PTR)}` });
    }
    const c3 = new Case(mode, 'push m16', '').store(DATA_PTR, rng.bits(64), 8);
    out.push({ ...c3.spec(), asm: `push word ${memRef(c3, 0, DATA_PTR)}` });
    // pop into memory addressed through rSP uses the incremented rSP
    out.push(new Case(mode, `pop [${sp}+8]`, `pop ${mode === 64 ? 'qword' : 'dword'} [${sp}+8]`).store(STACK_TOP, rng.bits(64), 8).spec());
    // segment registers: the recorded selectors are the only valid values here
    // (16-bit code runs natively in LDT segments but is replayed in real mode: no segment cases)
    if (mode === 32) {
      for (const s of ['cs', 'ss', 'ds', 'es', 'fs', 'gs']) out.push(new Case(mode, `push ${s}`, `push ${s}`).spec());
      for (const s of ['ds', 'es', 'ss']) out.push(new Case(mode, `pop ${s}`, `push ${s}\npop ${s}`).spec());
      for (const s of ['fs', 'gs']) out.push(new Case(mode, `pop ${s} (null selector)`, `pop ${s}`).store(STACK_TOP, 0n, 8).spec());
      out.push(new Case(mode, 'push ds (16-bit)', 'o16 push ds').spec());
    } else if (mode === 64) {
      for (const s of ['fs', 'gs']) out.push(new Case(mode, `push ${s}`, `push ${s}`).spec());
      out.push(new Case(mode, 'pop fs (null selector)', 'pop fs').store(STACK_TOP, 0n, 8).spec());
      for (const b of ['0x06', '0x07', '0x0e', '0x16', '0x17', '0x1e', '0x1f']) out.push(new Case(mode, `push/pop es/cs/ss/ds (${b}, #UD in 64-bit)`, `db ${b}`).spec());
    }
    // pushf/popf: status flags and DF (TF, AC and NT would disturb the runner)
    for (let i = 0; i < 8; i++) out.push(new Case(mode, 'pushf', mode === 64 ? 'pushfq' : 'pushfd').flags(rng.status(), i % 2 === 1).spec());
    for (let i = 0; i < 12; i++) {
      // IOPL is ignored at CPL 3 but not in real mode, where 16-bit cases are replayed
      const iopl = i % 4 === 1 && mode !== 16 ? 0x3000 : 0;
      const v = BigInt(0x202 | rng.status() | (i % 2 ? 0x400 : 0) | (i % 3 === 0 ? 0x200000 : 0) | iopl);
      out.push(new Case(mode, 'popf', mode === 64 ? 'popfq' : 'popfd').store(STACK_TOP, v, 8).flags(rng.status()).spec());
    }
    out.push(new Case(mode, 'pushf (16-bit)', 'pushfw').flags(rng.status()).spec());
    out.push(new Case(mode, 'popf (16-bit)', 'popfw').store(STACK_TOP, BigInt(0x0ad7), 2).spec());
    if (mode !== 64) {
      for (let i = 0; i < 3; i++) {
        const c = new Case(mode, 'pushad', 'pushad');
        for (const r of ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi']) c.set(r, rng.bits(32));
        out.push(c.spec());
        const p = new Case(mode, 'popad', 'popad');
        for (let q = 0; q < 4; q++) p.store(STACK_TOP + 8 * q, rng.bits(64), 8);
        out.push(p.spec());
      }
      out.push(new Case(mode, 'pushaw', 'pushaw').spec());
      out.push(new Case(mode, 'popaw', 'popaw').store(STACK_TOP, rng.bits(64), 8).store(STACK_TOP + 8, rng.bits(64), 8).spec());
    } else {
      out.push(new Case(mode, 'pusha (#UD in 64-bit)', 'db 0x60').spec());
      out.push(new Case(mode, 'popa (#UD in 64-bit)', 'db 0x61').spec());
    }
    // enter/leave: frame pointer inside MAIN, the outer frames' links below it
    const bp = mode === 64 ? 'rbp' : 'ebp';
    for (const [size, level] of [[0, 0], [16, 0], [0x100, 1], [8, 2], [24, 3], [0, 5], [4, 31], [0, 32]] as const) {
      const c = new Case(mode, `enter imm16, ${level}`, `enter ${size}, ${level}`).set(bp, off(STACK_TOP + 0x400));
      const links = Math.min(level, 6);
      if (links) c.storeBytes(STACK_TOP + 0x400 - 8 * links, Uint8Array.from({ length: 8 * links }, () => rng.below(256)));
      out.push(c.spec());
    }
    out.push(new Case(mode, 'enter (16-bit)', 'o16 enter 8, 1').set(bp, off(STACK_TOP + 0x400)).spec());
    for (let i = 0; i < 3; i++) {
      out.push(new Case(mode, 'leave', 'leave').set(bp, off(STACK_TOP + 0x100 + 8 * i)).store(STACK_TOP + 0x100 + 8 * i, off(STACK_TOP + 0x300), 8).spec());
    }
    out.push(new Case(mode, 'leave (16-bit)', 'o16 leave').set(bp, off(STACK_TOP + 0x100)).store(STACK_TOP + 0x100, rng.bits(64), 8).spec());
    return out;
  },
};
