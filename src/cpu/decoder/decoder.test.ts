import { describe, expect, test } from 'vitest';
import { CodeSize } from '../state.js';
import { decode, NEED_MORE, UdReason } from './decoder.js';
import { Ea, Insn } from './insn.js';

const dec = (hex: string, cs: number = CodeSize.Bits64): Insn => {
  const i = new Insn(() => {});
  const b = Buffer.from(hex.replace(/ /g, ''), 'hex');
  const buf = new Uint8Array(32);
  buf.set(b);
  decode(buf, 0, 32, cs, i);
  return i;
};

describe('decoder', () => {
  test('lengths of common forms', () => {
    expect(dec('48 8b 84 24 00 01 00 00').len).toBe(8); // mov rax, [rsp+0x100]
    expect(dec('48 b8 88 77 66 55 44 33 22 11').len).toBe(10); // mov rax, imm64
    expect(dec('66 c7 00 34 12').len).toBe(5); // mov word [rax], 0x1234
    expect(dec('c8 10 00 01').len).toBe(4); // enter
    expect(dec('a1 00 00 00 00 00 00 00 00').len).toBe(9); // mov eax, moffs64
    expect(dec('67 a1 00 00 00 00').len).toBe(6);
    expect(dec('f7 c0 01 00 00 00').len).toBe(6); // test eax, imm32
    expect(dec('f7 d0').len).toBe(2); // not eax (no immediate)
    expect(dec('66 e8 00 00 00 00').len).toBe(6); // call rel32 ignores 66 in 64-bit mode (Intel)
    expect(dec('66 e8 00 00', CodeSize.Bits32).len).toBe(4);
    expect(dec('8b 46 10', CodeSize.Bits16).len).toBe(3); // mov ax, [bp+16]
  });
  test('ModRM/SIB decoding', () => {
    const i = dec('8b 44 8d 10', CodeSize.Bits32); // mov eax, [ebp + ecx*4 + 0x10]
    expect([i.base, i.index, i.scale, i.disp, i.seg]).toEqual([5, 1, 2, 0x10, 2]);
    const r = dec('48 8b 05 10 00 00 00');
    expect(r.ea).toBe(Ea.RIP);
    const n = dec('8b 04 25 00 10 00 00');
    expect([n.base, n.index, n.ea]).toEqual([-1, -1, Ea.A64]);
    const x = dec('46 8b 04 a1'); // mov r8d, [rcx + r12*4]
    expect([x.reg, x.base, x.index, x.scale]).toEqual([8, 1, 12, 2]);
  });
  test('REX is ignored unless right before the opcode', () => {
    expect(dec('48 66 89 c0').osz).toBe(1);
    expect(dec('66 48 89 c0').osz).toBe(3);
  });
  test('byte registers: AH without REX, SPL with REX', () => {
    expect(dec('88 e0').reg).toBe(16); // mov al, ah: reg = AH
    expect(dec('40 88 e0').reg).toBe(4); // mov al, spl
  });
  test('validity', () => {
    expect(dec('f0 01 c0').ud).toBe(UdReason.LOCK);
    expect(dec('f0 01 00').ud).toBe(0);
    expect(dec('06').ud).toBe(UdReason.INV64);
    expect(dec('06', CodeSize.Bits32).ud).toBe(0);
    expect(dec('8d c0').ud).toBe(UdReason.MEM_ONLY);
    expect(dec('0f 0b').ud).toBe(0);
    expect(dec('c5 f8 77').ud).toBe(UdReason.VEX);
    expect(dec('c5 f8 77').len).toBe(3);
    expect(dec('c4 00', CodeSize.Bits32).map).toBe(0); // LES in 32-bit mode (ModRM.mod != 3)
    expect(dec('c4 c1 79 6e c0', CodeSize.Bits32).vex).toBe(1); // VEX (mod = 3)
    expect(dec('c4 c1 79 6e c0', CodeSize.Bits32).ud).toBe(UdReason.VEX);
    expect(dec('c4 e2 78 f2 c1').ud).toBe(0); // ANDN eax, eax, ecx
    expect(dec('c4 e2 7c f2 c1').ud).toBe(UdReason.VEX); // ... with VEX.L = 1
  });
  test('instructions longer than 15 bytes are invalid', () => {
    const i = dec('66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90');
    expect(i.ud).toBe(UdReason.TOO_LONG);
  });
  test('truncated input asks for more bytes', () => {
    const i = new Insn(() => {});
    expect(decode(new Uint8Array([0x48, 0xb8, 1, 2]), 0, 4, CodeSize.Bits64, i)).toBe(NEED_MORE);
  });
});
