/**
 * The hypercall page disassembled by an independent decoder (iced-x86):
 * each stub must be exactly what Xen writes, the number in eax.
 */
import { Decoder, Formatter, FormatterSyntax } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { Hypercall } from '../../../src/abi/xen/hypercalls.js';
import { xenHypercallPage } from '../../../src/host/builder/hypercall-page.js';

function disassemble(bitness: 32 | 64, code: Uint8Array, count: number): string[] {
  const decoder = new Decoder(bitness, code, 0);
  const formatter = new Formatter(FormatterSyntax.Intel);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const instr = decoder.decode();
    out.push(formatter.format(instr));
    instr.free();
  }
  decoder.free();
  formatter.free();
  return out;
}

/** iced's Intel syntax for an immediate: decimal up to 9, else uppercase hex with an h (and a leading 0 before a letter). */
function imm(n: number): string {
  if (n <= 9) return `${n}`;
  const h = n.toString(16).toUpperCase();
  return `${/^[A-F]/.test(h) ? '0' : ''}${h}h`;
}

describe('Xen hypercall page stubs', () => {
  it('64-bit: push rcx/r11, mov eax,N, syscall, pop, ret; iret does not return', () => {
    const page = new Uint8Array(4096);
    xenHypercallPage('x86_64', page);
    for (let n = 0; n < 128; n++) {
      const stub = page.subarray(n * 32, n * 32 + 32);
      if (n === Hypercall.iret) {
        expect(disassemble(64, stub, 6)).toEqual(['push rcx', 'push r11', 'push rax', 'mov eax,17h', 'syscall', 'int3']);
        continue;
      }
      expect(disassemble(64, stub, 8)).toEqual(['push rcx', 'push r11', `mov eax,${imm(n)}`, 'syscall', 'pop r11', 'pop rcx', 'ret', 'int3']);
    }
  });

  it('32-bit: mov eax,N, int 82h, ret; iret pushes eax first', () => {
    const page = new Uint8Array(4096);
    xenHypercallPage('x86_32', page);
    for (let n = 0; n < 128; n++) {
      const stub = page.subarray(n * 32, n * 32 + 32);
      if (n === Hypercall.iret) {
        expect(disassemble(32, stub, 4)).toEqual(['push eax', 'mov eax,17h', 'int 82h', 'int3']);
        continue;
      }
      expect(disassemble(32, stub, 4)).toEqual([`mov eax,${imm(n)}`, 'int 82h', 'ret', 'int3']);
    }
  });
});
