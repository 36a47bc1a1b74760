/**
 * Prefix behaviour on ordinary instructions: segment overrides (honoured,
 * ignored in 64-bit code, null selectors), the address-size override with
 * garbage above the address (and 16-bit wraparound), RIP-relative operands,
 * LOCK where it is not allowed (#UD), and salc (undocumented; #UD in 64-bit).
 */
import { DATA_PTR, dataBase, LOW, MAIN } from '../layout.js';
import { Case, type CaseSpec } from '../spec.js';
import { type Family, type GenContext, offsetOf } from './common.js';

export const prefixes: Family = {
  name: 'prefixes',
  covers: 'segment overrides, address-size override (garbage high bits, 16-bit wraparound), RIP-relative, LOCK #UD, salc',
  generate({ mode, rng }: GenContext): CaseSpec[] {
    const out: CaseSpec[] = [];
    const bx = { 64: 'rbx', 32: 'ebx', 16: 'ebx' }[mode];
    const ptr = offsetOf(mode, DATA_PTR);
    // segment overrides on a load; in 16-bit code CS is based at the code, so cs: reads the snippet
    const segs = mode === 64 ? ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] : mode === 32 ? ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] : ['es', 'ss', 'ds', 'fs'];
    for (const s of segs) {
      out.push(new Case(mode, `mov eax, [${s}:ebx]`, `mov eax, [${s}:${bx}]`).set(bx, ptr).store(DATA_PTR, rng.bits(64), 8).spec());
    }
    if (mode === 16) out.push(new Case(mode, 'mov ax, [cs:0] (reads the code)', 'mov ax, [cs:0]').spec());
    // address size: only the low part of the registers forms the address
    if (mode === 64) {
      for (let i = 0; i < 4; i++) {
        const c = new Case(mode, 'mov eax, [ebx+esi*2+8] (a32)', 'mov eax, [ebx+esi*2+8]')
          .set('rbx', (rng.bits(32) << 32n) | BigInt(DATA_PTR - 0x40)).set('rsi', (rng.bits(32) << 32n) | 0x10n).store(DATA_PTR - 0x10, rng.bits(64), 8);
        out.push(c.spec());
      }
      // an a32 address that wraps past 4 GiB lands at the bottom
      out.push(new Case(mode, 'lea/mov with a32 wraparound', 'mov eax, [ebx+esi]').set('rbx', 0xffffff00n).set('rsi', BigInt(DATA_PTR + 0x100)).spec());
      out.push(new Case(mode, 'mov eax, [rel] (RIP-relative)', 'jmp .over\n.x: dd 0x12345678\n.over:\nmov eax, [rel .x]').spec());
    }
    if (mode === 32) {
      // 16-bit addressing reaches the LOW window; the sum wraps at 64 KiB
      for (let i = 0; i < 4; i++) {
        const c = new Case(mode, 'mov eax, [bx+si+0x10] (a16) LOW', 'mov eax, [bx+si+0x10]')
          .set('ebx', (rng.bits(16) << 16n) | BigInt(LOW.base + 0x100)).set('esi', (rng.bits(16) << 16n) | 0x20n).store(LOW.base + 0x130, rng.bits(64), 8);
        out.push(c.spec());
      }
      out.push(new Case(mode, 'mov eax, [bx+si] (a16 wraparound) LOW', 'mov eax, [bx+si]').set('ebx', 0xfff0n).set('esi', BigInt(LOW.base + 0x10 + 0x200)).spec());
      out.push(new Case(mode, 'mov [bp+di], ax (a16, SS) LOW', 'mov [bp+di], ax').set('ebp', BigInt(LOW.base)).set('edi', 0x40n).set('eax', rng.bits(32)).spec());
    }
    if (mode === 16) {
      // 16-bit addressing wraps inside the 64 KiB segment; 32-bit addressing does not wrap
      out.push(new Case(mode, 'mov ax, [bx+si] (wraparound)', 'mov ax, [bx+si]').set('bx', 0xfff0n).set('si', BigInt(DATA_PTR - MAIN.base + 0x10)).spec());
      out.push(new Case(mode, 'mov eax, [ebx+esi*4] (a32)', 'mov eax, [ebx+esi*4]').set('ebx', BigInt(DATA_PTR - dataBase(mode))).set('esi', 3n).spec());
    }
    // LOCK on instructions and operands that do not allow it
    const lockUd = ['db 0xf0, 0x90', `db 0xf0\nmov [${bx}], eax`, `db 0xf0\nbt [${bx}], eax`, 'db 0xf0\ninc eax', 'db 0xf0\ncmpxchg eax, ecx', 'db 0xf0\nnot eax', `db 0xf0\ncmp [${bx}], eax`];
    for (const asm of lockUd) out.push(new Case(mode, `lock ${asm.split('\n')[1] ?? 'nop'} (#UD)`, asm).set(bx, ptr).spec());
    // xchg with memory is locked implicitly; an explicit LOCK is fine
    out.push(new Case(mode, 'lock xchg [mem], eax', `lock xchg [${bx}], eax`).set(bx, ptr).set('eax', rng.bits(32)).spec());
    // salc: AL = CF ? 0xff : 0 (#UD in 64-bit code)
    for (const cf of [0, 1]) out.push(new Case(mode, 'salc', 'db 0xd6').set('al', rng.bits(8)).flags(rng.status() & ~1 | cf).spec());
    return out;
  },
};
