/**
 * The native runners: known results on the host CPU, fault capture, and
 * isolation between the cases of one batch.
 */
import { execFileSync } from 'node:child_process';
import { arch, platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { assembleSnippets } from './assemble.js';
import { DATA_PTR, fillWindow, MAIN, type Mode, STACK_TOP } from './layout.js';
import { runNative } from './native.js';
import { Case } from './spec.js';

function toolsMissing(): string | undefined {
  if (platform() !== 'linux' || arch() !== 'x64') return 'needs Linux on x86-64';
  try {
    execFileSync('nasm', ['-v']);
    execFileSync('ld', ['-v']);
  } catch {
    return 'needs nasm and ld';
  }
  return undefined;
}
const missing = toolsMissing();

function run(mode: Mode, cases: Case[]) {
  const specs = cases.map((c) => c.spec());
  return runNative(mode, specs, assembleSnippets(mode, specs.map((s) => s.asm)));
}

describe.skipIf(missing)(`native runners${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('runs 64-bit snippets and reports registers, raw RFLAGS, memory and faults', () => {
    const { header, results } = run(64, [
      new Case(64, 'add', 'add eax, ebx').set('rax', 0xffffffff_ffffffffn).set('ebx', 1n).flags(0),
      new Case(64, 'store', 'mov [rsi], rax').set('rsi', BigInt(DATA_PTR)).set('rax', 0x1122334455667788n),
      new Case(64, 'div0', 'div ecx').set('ecx', 0n),
      new Case(64, 'ud2', 'ud2'),
      new Case(64, 'after faults', 'push rbx').set('rbx', 0xabcdn),
    ]);
    expect(header.selectors.cs).toBe(0x33);
    const [add, store, div0, ud2, push] = results;
    // 32-bit add zero-extends; 0xffffffff + 1 = 0 with CF ZF PF AF set
    expect(add!.regs.rax).toBe(0n);
    expect(add!.rflags).toBe(0x202n | 0x1n | 0x4n | 0x10n | 0x40n);
    expect(add!.exc).toBeUndefined();
    expect(store!.mem.get(DATA_PTR)).toBe(0x1122334455667788n);
    expect(store!.mem.size).toBe(1);
    expect(div0!.exc).toBe(0);
    expect(ud2!.exc).toBe(6);
    // memory written by an earlier case is reset; the stack push shows up
    expect(push!.exc).toBeUndefined();
    expect(push!.regs.rsp).toBe(BigInt(STACK_TOP - 8));
    expect(push!.mem.get(STACK_TOP - 8)).toBe(0xabcdn);
    expect(push!.mem.has(DATA_PTR)).toBe(false);
  });

  it('runs 32-bit snippets, including 32-bit-only instructions', () => {
    const { header, results } = run(32, [
      new Case(32, 'add', 'add eax, ebx').set('eax', 0x7fffffffn).set('ebx', 1n).flags(0),
      new Case(32, 'into', 'into').flags(0x800),
      new Case(32, 'daa', 'daa').set('al', 0x9an).flags(0),
      new Case(32, 'pushad', 'pushad'),
    ]);
    expect(header.selectors.cs).toBe(0x23);
    const [add, into, daa, pushad] = results;
    expect(add!.regs.rax).toBe(0x80000000n);
    expect(add!.rflags & 0x8d5n).toBe(0x800n | 0x80n | 0x10n | 0x4n);
    expect(into!.exc).toBe(4);
    expect(daa!.regs.rax & 0xffn).toBe(0x00n);
    expect(daa!.rflags & 0x1n).toBe(1n);
    expect(pushad!.regs.rsp).toBe(BigInt(STACK_TOP - 32));
    expect(pushad!.mem.size).toBe(4);
  });

  it('runs 16-bit snippets natively in segments based like real mode', () => {
    const { results } = run(16, [
      new Case(16, 'add', 'add ax, bx').set('eax', 0x1234ffffn).set('bx', 1n).flags(0),
      new Case(16, 'store', 'mov [0x1800], ax').set('ax', 0xbeefn),
      new Case(16, 'push', 'push ax').set('ax', 0x1234n),
      new Case(16, 'div0', 'div cl').set('cl', 0n),
    ]);
    const [add, store, push, div0] = results;
    // a 16-bit add keeps the upper half of EAX
    expect(add!.regs.rax).toBe(0x12340000n);
    expect(add!.rflags & 0x41n).toBe(0x41n);
    // DS is based at MAIN: offset 0x1800 is DATA_PTR
    expect(store!.mem.get(DATA_PTR)! & 0xffffn).toBe(0xbeefn);
    // SS too, with SP 0x1000: the push lands just below STACK_TOP
    expect(push!.regs.rsp).toBe(0xffen);
    expect((push!.mem.get(STACK_TOP - 8)! >> 48n) & 0xffffn).toBe(0x1234n);
    expect(div0!.exc).toBe(0);
  });

  it('starts every case from the fill pattern', () => {
    const { results } = run(64, [new Case(64, 'load', 'mov rax, [rsi]').set('rsi', BigInt(MAIN.base))]);
    const want = new DataView(fillWindow(MAIN).buffer).getBigUint64(0, true);
    expect(results[0]!.regs.rax).toBe(want);
  });
});
