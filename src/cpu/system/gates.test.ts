import { describe, expect, test } from 'vitest';
import { cpuWith } from '../../../test/cpu/asm.js';
import { Sel, SYSTEM_AREA } from '../testing.js';

const MEM = 4 * 1024 * 1024;
const GDT = MEM - SYSTEM_AREA;
const STACK_TOP = GDT + 0x8000; // the harness's ring-0 stack (TSS.esp0)
const GATE = 0x48; // the harness leaves GDT entry 9 free

describe('call gates', () => {
  test('ring 3 -> ring 0 through a 32-bit call gate: TSS stack, parameter copied, RETF n back', () => {
    const t = cpuWith(32, `
      mov eax, target
      mov word [${GDT + GATE}], ax
      mov word [${GDT + GATE + 2}], ${Sel.CODE32}
      mov byte [${GDT + GATE + 4}], 1          ; one parameter
      mov byte [${GDT + GATE + 5}], 0xec       ; present, DPL 3, 32-bit call gate
      shr eax, 16
      mov word [${GDT + GATE + 6}], ax
      mov edx, esp
      push 0x1111
      call ${GATE | 3}:0
      mov ecx, cs
      sub edx, esp                             ; 0: RETF 4 dropped the parameter
      hlt                                      ; #GP in ring 3 ends the run
    target:
      mov esi, cs
      mov edi, ss
      mov ebp, esp
      mov eax, [esp + 8]
      retf 4`, { cpl: 3 });
    const r = t.run(1000);
    expect(r.exception?.vector).toBe(13);
    expect(t.get('rsi')).toBe(BigInt(Sel.CODE32));
    expect(t.get('rdi')).toBe(BigInt(Sel.DATA));
    expect(t.get('rbp')).toBe(BigInt(STACK_TOP - 20)); // SS, ESP, parameter, CS, EIP
    expect(t.get('rax')).toBe(0x1111n);
    expect(t.get('rcx')).toBe(BigInt(Sel.CODE32_USER));
    expect(t.get('rdx')).toBe(0n);
  });

  test('a call gate with DPL below the CPL: #GP(gate selector)', () => {
    const t = cpuWith(32, `mov byte [${GDT + GATE + 5}], 0x8c\nmov word [${GDT + GATE + 2}], ${Sel.CODE32}\ncall ${GATE | 3}:0`, { cpl: 3 });
    const r = t.run(100).exception;
    expect([r?.vector, r?.errorCode]).toEqual([13, GATE]);
  });
});

describe('virtual-8086 mode', () => {
  test('IRET with VM from ring 0 enters it; INT n with IOPL 3 leaves through the IDT with the 8086 segments in the frame', () => {
    const t = cpuWith(32, `
      mov byte [0x9000], 0xcd                  ; at 0900:0000: int 0x20
      mov byte [0x9001], 0x20
      push 0x44                                ; gs
      push 0x33                                ; fs
      push 0x22                                ; ds
      push 0x11                                ; es
      push 0x0800                              ; ss
      push 0x0f00                              ; sp
      push 0x23002                             ; eflags: VM, IOPL 3
      push 0x0900                              ; cs
      push 0                                   ; ip
      iretd`);
    const r = t.run(100);
    expect(r.exception?.vector).toBe(0x20);
    const frame = Array.from({ length: 9 }, (_, k) => t.memory.read32(STACK_TOP - 36 + k * 4));
    expect(frame).toEqual([2, 0x0900, 0x23002, 0x0f00, 0x0800, 0x11, 0x22, 0x33, 0x44]);
    expect(t.cpu.s.segSel[3]).toBe(0); // DS is null in the handler
  });

  test('INT n with IOPL 0 in virtual-8086 mode: #GP(0)', () => {
    const t = cpuWith(32, `
      mov byte [0x9000], 0xcd
      mov byte [0x9001], 0x20
      push 0\npush 0\npush 0\npush 0\npush 0x0800\npush 0x0f00\npush 0x20002\npush 0x0900\npush 0
      iretd`);
    const r = t.run(100).exception;
    expect([r?.vector, r?.errorCode]).toEqual([13, 0]);
  });

  test('PUSHF and POPF in virtual-8086 mode with IOPL 0: #GP(0)', () => {
    for (const op of [0x9c, 0x9d]) {
      const t = cpuWith(32, `
        mov byte [0x9000], ${op}
        push 0\npush 0\npush 0\npush 0\npush 0x0800\npush 0x0f00\npush 0x20002\npush 0x0900\npush 0
        iretd`);
      const r = t.run(100).exception;
      expect([r?.vector, r?.errorCode]).toEqual([13, 0]);
    }
  });
});
