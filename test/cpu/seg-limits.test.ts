import { describe, expect, test } from 'vitest';
import type { VcpuSegment } from '../../src/cpu/contract.js';
import type { TestCpu } from '../../src/cpu/testing.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { createTestCpu, Sel } from '../../src/cpu/testing.js';
import { asm, CODE, cpuWith, TEST_COMPILE_THRESHOLD } from './asm.js';

/**
 * Segment limit and type checks on data accesses (src/cpu/seg-limits.ts):
 * each case runs a snippet with one segment register changed through
 * setSregs (or loaded from an LDT descriptor) and checks the exception,
 * its error code, and that the faulting instruction changed nothing.
 */
type SegName = 'cs' | 'ds' | 'es' | 'fs' | 'gs' | 'ss';
type SegPatch = Partial<Record<SegName, Partial<VcpuSegment>>>;

const GP = 13, SS = 12, BP = 3;

function withSegs(t: TestCpu, segs: SegPatch): TestCpu {
  const sr = t.cpu.getSregs();
  for (const [k, v] of Object.entries(segs) as [SegName, Partial<VcpuSegment>][]) sr[k] = { ...sr[k], ...v };
  t.cpu.setSregs(sr);
  return t;
}

/** Run a 32-bit protected-mode snippet (ending in int3) with the segments patched; returns the exception. */
function run32(source: string, segs: SegPatch, regs: Record<string, bigint> = {}, cpl: 0 | 3 = 0): { vector: number; errorCode?: number; t: TestCpu } {
  const t = withSegs(cpuWith(32, source, { cpl }), segs);
  t.setRegs(regs);
  const r = t.run(100_000);
  if (r.exception === undefined) throw new Error(`no exception: exit ${r.reason}`);
  return { ...r.exception, t };
}

/**
 * ESP and EIP when the fault was raised: the 32-bit frame is error, EIP, CS,
 * EFLAGS, and from ring 3 ESP, SS (stack tests run in ring 3: an exception
 * in ring 0 would push its own frame onto the limited stack).
 */
const espAtFault = (t: TestCpu): bigint => {
  const sp = Number(t.get('rsp'));
  return (t.memory.read32(sp + 8) & 3) !== 0 ? BigInt(t.memory.read32(sp + 16) >>> 0) : BigInt(sp + 16);
};
/** Ring 3, where a fault switches to the harness's flat ring-0 stack. */
const user = (source: string, segs: SegPatch, regs: Record<string, bigint> = {}): ReturnType<typeof run32> => run32(source, segs, regs, 3);
const eipAtFault = (t: TestCpu): number => t.memory.read32(Number(t.get('rsp')) + 4);

const fault = (r: { vector: number; errorCode?: number }): [number, number | undefined] => [r.vector, r.errorCode];
const ok = (r: { vector: number }): number => r.vector;

const limit = (l: number, type = 3, db = true): Partial<VcpuSegment> => ({ limit: l, type, db, g: l > 0xfffff });
const expandDown = (l: number, db: boolean): Partial<VcpuSegment> => ({ limit: l, type: 7, db, g: false });

describe('expand-up limits', () => {
  test('DS limit 0xfff: the last dword and byte are in, one byte more is #GP(0)', () => {
    expect(ok(run32('mov eax, [0xffc]\nmov byte [0xfff], 1\nint3', { ds: limit(0xfff) }))).toBe(BP);
    expect(fault(run32('mov eax, [0xffd]\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov word [0xfff], 1\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov ebx, 0x1000\nadd [ebx], al\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
  });
  test('the fault leaves the destination and the flags untouched', () => {
    const r = run32('mov eax, 7\nmov ebx, 0xffe\nxchg eax, [ebx]\nint3', { ds: limit(0xfff) });
    expect(fault(r)).toEqual([GP, 0]);
    expect(r.t.get('rax')).toBe(7n);
  });
  test('16-bit addressing: a word at 0xffff of a 64 KiB segment is #GP(0)', () => {
    expect(fault(run32('mov bx, 0xffff\nmov ax, [bx]\nint3', { ds: limit(0xffff) }))).toEqual([GP, 0]);
    expect(ok(run32('mov bx, 0xfffe\nmov ax, [bx]\nint3', { ds: limit(0xffff) }))).toBe(BP);
  });
  test('ES, FS and GS overrides are checked against their own limits', () => {
    expect(fault(run32('mov eax, [es:0x2000]\nint3', { es: limit(0x1fff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov eax, [fs:0x2000]\nint3', { fs: limit(0x1fff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov [gs:0x1ffe], eax\nint3', { gs: limit(0x1fff) }))).toEqual([GP, 0]);
    expect(ok(run32('mov eax, [0x2000]\nint3', { es: limit(0x1fff), fs: limit(0x1fff) }))).toBe(BP);
  });
  test('a page-granular limit (G=1) covers its last page', () => {
    expect(ok(run32('mov eax, [0x3ffffc]\nint3', { ds: { limit: 0x3fffff, g: true } }))).toBe(BP);
    expect(fault(run32('mov eax, [0x3ffffd]\nint3', { ds: { limit: 0x3fffff, g: true } }))).toEqual([GP, 0]);
  });
  test('BT with a register bit offset checks the byte it reaches, not the operand address', () => {
    expect(fault(run32('mov ecx, 0x8000\nbt [0], ecx\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
    expect(ok(run32('mov ecx, 0x7fe0\nbts [0], ecx\nint3', { ds: limit(0xfff) }))).toBe(BP);
  });
  test('far pointers and BOUND check all the bytes they read', () => {
    expect(fault(run32('lfs eax, [0xffc]\nint3', { ds: limit(0x1000) }))).toEqual([GP, 0]);
    expect(fault(run32('bound eax, [0xffc]\nint3', { ds: limit(0x1002) }))).toEqual([GP, 0]);
  });
  test('SGDT writes 6 bytes, LGDT reads 6', () => {
    expect(fault(run32('sgdt [0xffb]\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
    expect(fault(run32('lgdt [0xffb]\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
  });
});

describe('expand-down limits', () => {
  test('B=1: offsets above the limit up to 4 GiB are valid', () => {
    // Base 0x10000: offsets near 4 GiB wrap around into RAM.
    const ed = { ds: { ...expandDown(0xfff, true), base: 0x10000n } };
    expect(fault(run32('mov al, [0xfff]\nint3', ed))).toEqual([GP, 0]);
    expect(fault(run32('mov eax, [0xffe]\nint3', ed))).toEqual([GP, 0]);
    expect(ok(run32('mov eax, [0x1000]\nmov eax, [0xfffffffc]\nint3', ed))).toBe(BP);
    expect(fault(run32('mov eax, [0xfffffffd]\nint3', ed))).toEqual([GP, 0]);
  });
  test('B=0: the upper bound is 0xffff', () => {
    const ed = { ds: expandDown(0xfff, false) };
    expect(ok(run32('mov eax, [0xfffc]\nint3', ed))).toBe(BP);
    expect(fault(run32('mov eax, [0xfffd]\nint3', ed))).toEqual([GP, 0]);
    expect(fault(run32('mov eax, [0x10000]\nint3', ed))).toEqual([GP, 0]);
  });
  test('an expand-down stack: a push below the limit is #SS(0) and ESP is unchanged', () => {
    const r = user('push eax\nint3', { ss: expandDown(0x1fff, true) }, { rsp: 0x2002n });
    expect(fault(r)).toEqual([SS, 0]);
    expect(espAtFault(r.t)).toBe(0x2002n);
    expect(ok(user('push eax\nint3', { ss: expandDown(0x1fff, true) }, { rsp: 0x2004n }))).toBe(BP);
  });
});

describe('the stack: #SS(0)', () => {
  const ss = { ss: limit(0x7fff) };
  test('explicit SS and EBP-based operands', () => {
    expect(fault(user('mov eax, [ss:0x8000]\nint3', ss))).toEqual([SS, 0]);
    expect(fault(user('mov ebp, 0x7ffe\nmov eax, [ebp]\nint3', ss))).toEqual([SS, 0]);
    expect(fault(user('mov ebp, 0x7ffe\nmov eax, [ds:ebp]\nint3', ss))).toEqual([BP, undefined]);
  });
  test('POP, RET, RETF, POPA past the limit', () => {
    expect(fault(user('pop eax\nint3', ss, { rsp: 0x7ffen }))).toEqual([SS, 0]);
    expect(fault(user('ret\nint3', ss, { rsp: 0x7ffcn + 2n }))).toEqual([SS, 0]);
    expect(fault(user('retf\nint3', ss, { rsp: 0x7ffcn }))).toEqual([SS, 0]);
    expect(fault(user('popad\nint3', ss, { rsp: 0x7fe4n }))).toEqual([SS, 0]);
  });
  test('PUSH, CALL, PUSHA, ENTER, LEAVE with an expand-up stack whose limit is above ESP', () => {
    const r = user('mov esp, 0x9000\ncall .x\n.x: int3', ss);
    expect(fault(r)).toEqual([SS, 0]);
    expect(espAtFault(r.t)).toBe(0x9000n);
    const e = user('mov esp, 0x8010\nmov ebp, 0x1234\nenter 16, 0\nint3', ss);
    expect(fault(e)).toEqual([SS, 0]);
    expect([espAtFault(e.t), e.t.get('rbp')]).toEqual([0x8010n, 0x1234n]);
    const l = user('mov esp, 0x100\nmov ebp, 0x8000\nleave\nint3', ss);
    expect(fault(l)).toEqual([SS, 0]);
    expect(espAtFault(l.t)).toBe(0x100n);
    expect(fault(user('mov esp, 0x8010\npushad\nint3', ss))).toEqual([SS, 0]);
  });
  test('ENTER with nesting reads the outer frame pointers through SS', () => {
    const r = user('mov esp, 0x7000\nmov ebp, 0x8004\nenter 0, 3\nint3', ss);
    expect(fault(r)).toEqual([SS, 0]);
    expect([espAtFault(r.t), r.t.get('rbp')]).toEqual([0x7000n, 0x8004n]);
  });
});

describe('stack frames of interrupts, gates and IRET', () => {
  const ss = { ss: limit(0x1fff) };
  test('an interrupt frame that does not fit the current stack: #SS, then #DF, then a triple fault (shutdown)', () => {
    const t = withSegs(cpuWith(32, 'int3'), ss);
    t.set('rsp', 0x2008n);
    expect(t.run(100).reason).toBe(8); // ExitReason.Shutdown
    const ok2 = withSegs(cpuWith(32, 'int3'), ss);
    ok2.set('rsp', 0x1f00n);
    expect(ok2.run(100).exception?.vector).toBe(BP);
  });
  test('IRET popping past the stack limit: #SS(0), delivered below it', () => {
    const r = run32('iretd', ss, { rsp: 0x1ffcn });
    expect(fault(r)).toEqual([SS, 0]);
    expect(eipAtFault(r.t)).toBe(CODE);
  });
});

describe('string instructions', () => {
  test('STOS through ES past its limit: #GP(0), EDI unchanged', () => {
    const r = run32('mov edi, 0xffe\nstosd\nint3', { es: limit(0xfff) });
    expect(fault(r)).toEqual([GP, 0]);
    expect(r.t.get('rdi')).toBe(0xffen);
  });
  test('REP MOVSB stops at the limit with the registers describing the rest', () => {
    const r = run32('mov esi, 0x3000\nmov edi, 0xff8\nmov ecx, 16\nrep movsb\nint3', { es: limit(0xfff) });
    expect(fault(r)).toEqual([GP, 0]);
    expect([r.t.get('rdi'), r.t.get('rcx'), r.t.get('rsi')]).toEqual([0x1000n, 8n, 0x3008n]);
  });
  test('the source of MOVS/LODS/CMPS is checked against DS (or its override), SCAS against ES', () => {
    expect(fault(run32('mov esi, 0x1000\nlodsb\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov esi, 0x1000\nfs lodsb\nint3', { fs: limit(0xfff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov edi, 0x1000\nscasb\nint3', { es: limit(0xfff) }))).toEqual([GP, 0]);
    expect(fault(run32('mov esi, 0\nmov edi, 0x1000\ncmpsb\nint3', { es: limit(0xfff) }))).toEqual([GP, 0]);
  });
  test('XLAT checks its byte', () => {
    expect(fault(run32('mov ebx, 0xff0\nmov al, 0x10\nxlatb\nint3', { ds: limit(0xfff) }))).toEqual([GP, 0]);
  });
});

describe('segment types and null selectors', () => {
  test('read-only data: reads and CMP work, writes and read-modify-writes are #GP(0)', () => {
    const ro = { ds: { type: 1 } };
    expect(ok(run32('mov eax, [0x2000]\ncmp [0x2000], eax\nint3', ro))).toBe(BP);
    expect(fault(run32('mov [0x2000], eax\nint3', ro))).toEqual([GP, 0]);
    expect(fault(run32('inc dword [0x2000]\nint3', ro))).toEqual([GP, 0]);
    expect(fault(run32('mov edi, 0x2000\nstosb\nint3', { es: { type: 1 } }))).toEqual([GP, 0]);
  });
  test('a read-only SS-override write is #GP(0), not #SS', () => {
    expect(fault(run32('mov [es:0x2000], eax\nint3', { es: { type: 1, limit: 0xffff } }))).toEqual([GP, 0]);
  });
  test('code segments: readable code can be read, never written; execute-only cannot be read', () => {
    expect(ok(run32('mov eax, [cs:0x1000]\nint3', {}))).toBe(BP);
    expect(fault(run32('mov [cs:0x2000], eax\nint3', {}))).toEqual([GP, 0]);
    expect(fault(run32('mov eax, [fs:0x1000]\nint3', { fs: { type: 9 } }))).toEqual([GP, 0]);
    expect(fault(run32('mov eax, [cs:0x1000]\nint3', { cs: { type: 9 } }))).toEqual([GP, 0]);
  });
  test('a null selector in DS, ES, FS or GS: #GP(0) on access, loading it is fine', () => {
    expect(fault(run32('xor eax, eax\nmov ds, ax\nmov eax, [0x2000]\nint3', {}))).toEqual([GP, 0]);
    expect(fault(run32('xor eax, eax\nmov es, ax\nmov edi, 0x2000\nstosb\nint3', {}))).toEqual([GP, 0]);
    expect(fault(run32('xor eax, eax\nmov gs, ax\nmov eax, [gs:0]\nint3', {}))).toEqual([GP, 0]);
    expect(ok(run32('xor eax, eax\nmov fs, ax\nmov gs, ax\nlea eax, [fs:0x10]\nint3', {}))).toBe(BP);
  });
  test('a flat segment reloaded after a limited one is flat again (the check flag follows loads)', () => {
    // LDT entry 1: data, limit 0xfff; loading it, then the flat GDT data segment.
    const t = cpuWith(32, `mov ax, 0x0c\nmov ds, ax\nmov eax, [0x800]\nmov ax, ${Sel.DATA}\nmov ds, ax\nmov eax, [0x5000]\nmov ax, 0x0c\nmov ds, ax\nmov eax, [0x1000]\nint3`);
    const ldt = 0x3000;
    t.memory.write32(ldt + 8, 0x00000fff);
    t.memory.write32(ldt + 12, 0x00409300);
    const sr = t.cpu.getSregs();
    sr.ldt = { ...sr.ldt, base: BigInt(ldt), limit: 15, present: true, unusable: false };
    t.cpu.setSregs(sr);
    const r = t.run(1000);
    expect(r.exception).toEqual({ vector: GP, errorCode: 0 });
    expect(eipAtFault(t)).toBe(CODE + 28);
  });
});

describe('the CS limit on instruction fetch and near branches', () => {
  const cs = (l: number): SegPatch => ({ cs: { limit: l, g: false } });
  test('sequential fetch: an instruction that ends past the limit is #GP(0) at its address, after a loop that ran (compiled) within it', () => {
    // mov ecx, 5 (5 bytes) / dec ecx (1) / jnz (2) / nop (1) / mov eax, 1 at 0x1009..0x100d
    const r = run32('mov ecx, 5\n.l: dec ecx\njnz .l\nnop\nmov eax, 1\nint3', cs(0x100c), { rax: 7n });
    expect(fault(r)).toEqual([GP, 0]);
    expect(eipAtFault(r.t)).toBe(CODE + 9);
    expect(r.t.get('rax')).toBe(7n);
    expect(r.t.get('rcx')).toBe(0n);
    expect(ok(run32('mov ecx, 5\n.l: dec ecx\njnz .l\nnop\nmov eax, 1\nint3', cs(0x100e)))).toBe(BP);
  });
  test('JMP, Jcc, CALL, RET and JMP r/m to a target past the limit: #GP(0) at the branch, nothing done', () => {
    for (const [src, at] of [['jmp near .t\ntimes 0x1000 nop\n.t: int3', 0], ['xor eax, eax\njz near .t\ntimes 0x1000 nop\n.t: int3', 2],
      ['call .t\ntimes 0x1000 nop\n.t: int3', 0], ['push 0x3000\nret', 5], ['mov eax, 0x3000\njmp eax', 5]] as const) {
      const r = run32(src, cs(0x1fff));
      expect(fault(r)).toEqual([GP, 0]);
      expect(eipAtFault(r.t)).toBe(CODE + at);
    }
    const c = run32('call .t\ntimes 0x1000 nop\n.t: int3', cs(0x1fff), { rsp: 0x8000n });
    expect(espAtFault(c.t)).toBe(0x8000n);
    expect(ok(run32('xor eax, eax\njnz near .t\nint3\ntimes 0x1000 nop\n.t: hlt', cs(0x1fff)))).toBe(BP); // not taken: no check
  });
});

describe('returns to an outer ring', () => {
  test('IRETD and RETF to ring 3 null DS/ES/FS/GS holding DPL 0 segments, keep DPL 3 ones', () => {
    const frame = (last: string): string => `push ${Sel.DATA_USER}\npush 0x8000\n${last}\npush ${Sel.CODE32_USER}\npush .r3\n`;
    const ring3 = `.r3: mov eax, ds\nmov ebx, es\nmov ecx, fs\nmov edx, gs\nint3`;
    for (const src of [`${frame('pushfd')}iretd\n${ring3}`, `${frame('')}retf\n${ring3}`]) {
      const t = cpuWith(32, `mov ax, ${Sel.DATA_USER}\nmov es, ax\n${src}`);
      expect(t.run(1000).exception?.vector).toBe(BP);
      expect([t.get('rax'), t.get('rbx'), t.get('rcx'), t.get('rdx')]).toEqual([0n, BigInt(Sel.DATA_USER), 0n, 0n]);
    }
  });
});

describe('64-bit and compatibility mode', () => {
  test('64-bit mode checks no limits and no null selectors', () => {
    const t = cpuWith(64, 'xor eax, eax\nmov ds, ax\nmov eax, [0x5000]\nmov eax, [es:0x5000]\nint3');
    withSegs(t, { es: limit(0xfff) });
    expect(t.run(1000).exception?.vector).toBe(BP);
  });
  test('compatibility mode checks limits like protected mode', () => {
    const memory = new GuestMemory(4 * 1024 * 1024);
    const t = createTestCpu({ mode: 64, memory, compileThreshold: TEST_COMPILE_THRESHOLD });
    memory.writeBytes(CODE, asm(32, 'mov eax, [0xffc]\nmov eax, [0x1000]\nint3', CODE));
    withSegs(t, { cs: { selector: Sel.CODE32, l: false, db: true }, ds: limit(0xfff) });
    t.set('rip', BigInt(CODE));
    expect(t.run(1000).exception).toEqual({ vector: GP, errorCode: 0 });
    expect(t.memory.read32(Number(t.get('rsp')) + 8)).toBe(CODE + 5); // 64-bit frame: error, RIP, ...
  });
});
