import { describe, expect, test } from 'vitest';
import { cpuWith, trap, exec, PT64 } from '../../../test/cpu/asm.js';
import { ExitReason, IoDirection } from '../contract.js';
import { GuestMemory } from '../../memory/guest-memory.js';
import { createTestCpu } from '../testing.js';

describe('paging: page faults', () => {
  test('not-present read: error 0, CR2 = address', () => {
    const r = trap(64, `${PT64}\nmov qword [0x103000 + 0x50*8], 0\nmov rax, 0x50000\nmov rcx, cr3\nmov cr3, rcx\nmov rbx, [rax + 8]\nhlt`);
    expect(r.vector).toBe(14);
    expect(r.errorCode).toBe(0);
    expect(r.t.cpu.s.cr2).toBe(0x50008);
  });
  test('write to a read-only page at CPL 0 with CR0.WP: error P|W', () => {
    const r = trap(64, `${PT64}\nmov qword [0x103000 + 0x50*8], 0x50005\ninvlpg [0x50000]\nmov byte [0x50010], 1\nhlt`);
    expect(r.vector).toBe(14);
    expect(r.errorCode).toBe(3);
  });
  test('CR0.WP = 0 lets the supervisor write read-only pages', () => {
    const t = exec(64, `${PT64}\nmov qword [0x103000 + 0x50*8], 0x50005\ninvlpg [0x50000]\nmov rax, cr0\nbtr rax, 16\nmov cr0, rax\nmov byte [0x50010], 1\nhlt`);
    expect(t.memory.read8(0x50010)).toBe(1);
  });
  test('NX: instruction fetch from a no-execute page: error P|I', () => {
    const r = trap(64, `${PT64}\nmov dword [0x103000 + 0x50*8 + 4], 0x80000000\nmov dword [0x103000 + 0x50*8], 0x50007\ninvlpg [0x50000]\nmov byte [0x50000], 0xf4\nmov rax, 0x50000\njmp rax`);
    expect(r.vector).toBe(14);
    expect(r.errorCode).toBe(0x11);
    expect(r.t.cpu.s.cr2).toBe(0x50000);
  });
  test('accessed and dirty bits are set by the walk', () => {
    const t = exec(64, `${PT64}\nmov qword [0x103000 + 0x60*8], 0x60007\nmov qword [0x103000 + 0x61*8], 0x61007\ninvlpg [0x60000]\ninvlpg [0x61000]\nmov rax, [0x60000]\nmov [0x61000], rax\nhlt`);
    expect(t.memory.read32(0x103000 + 0x60 * 8) & 0x60).toBe(0x20);
    expect(t.memory.read32(0x103000 + 0x61 * 8) & 0x60).toBe(0x60);
  });
  test('INVLPG drops a stale translation; without it the TLB keeps the old one', () => {
    const t = exec(64, `${PT64}
      mov dword [0x70000], 0x1111
      mov dword [0x71000], 0x2222
      mov eax, [0x70000]
      mov qword [0x103000 + 0x70*8], 0x71007
      mov ebx, [0x70000]
      invlpg [0x70000]
      mov ecx, [0x70000]
      hlt`);
    expect(t.get('rax')).toBe(0x1111n);
    expect(t.get('rbx')).toBe(0x1111n);
    expect(t.get('rcx')).toBe(0x2222n);
  });
  test('user-mode access to a supervisor page: error U|P (32-bit paging, CPL 3)', () => {
    const memory = new GuestMemory(8 * 1024 * 1024);
    const t = createTestCpu({ mode: 32, memory, paging: true, cpl: 3 });
    // Make the 4 MiB page at 4 MiB supervisor-only.
    const pd = Number(t.cpu.getSregs().cr3);
    memory.write32(pd + 4, 0x400083);
    memory.writeBytes(0x1000, new Uint8Array([0xa1, 0x00, 0x00, 0x40, 0x00])); // mov eax, [0x400000]
    t.set('rip', 0x1000n);
    const r = t.run(10);
    expect(r.exception?.vector).toBe(14);
    expect(r.exception?.errorCode).toBe(5);
  });
  test('PAE paging runs code', () => {
    const t = cpuWith(32, 'mov eax, 7\nadd eax, eax\nhlt', { paging: true, pae: true });
    expect(t.run(10).reason).toBe(ExitReason.Hlt);
    expect(t.get('rax')).toBe(14n);
  });
});

describe('exits', () => {
  test('OUT exits after the instruction; IN completes with the VMM data', () => {
    const t = cpuWith(32, 'mov al, 0x41\nout 0xe9, al\nin eax, 0x60\nmov ebx, eax\nhlt');
    let r = t.run(100);
    expect(r.reason).toBe(ExitReason.Io);
    expect(t.cpu.exit.io.direction).toBe(IoDirection.Out);
    expect(t.cpu.exit.io.port).toBe(0xe9);
    expect(t.cpu.exit.io.data[0]).toBe(0x41);
    r = t.run(100);
    expect(r.reason).toBe(ExitReason.Io);
    expect(t.cpu.exit.io.direction).toBe(IoDirection.In);
    expect(t.cpu.exit.io.size).toBe(4);
    t.cpu.exit.io.data.set([0x78, 0x56, 0x34, 0x12]);
    r = t.run(100);
    expect(r.reason).toBe(ExitReason.Hlt);
    expect(t.get('rbx')).toBe(0x12345678n);
  });
  test('MMIO read and write beyond RAM exit with the address', () => {
    const t = cpuWith(32, 'mov eax, [0xfee00020]\nmov [0xfee000b0], ebx\nhlt', { paging: false });
    t.set('rbx', 0xabcn);
    let r = t.run(100);
    expect(r.reason).toBe(ExitReason.Mmio);
    expect(t.cpu.exit.mmio.physAddr).toBe(0xfee00020);
    expect(t.cpu.exit.mmio.isWrite).toBe(false);
    t.cpu.exit.mmio.data.set([1, 2, 3, 4]);
    r = t.run(100);
    expect(r.reason).toBe(ExitReason.Mmio);
    expect(t.get('rax')).toBe(0x04030201n);
    expect(t.cpu.exit.mmio.isWrite).toBe(true);
    expect(t.cpu.exit.mmio.physAddr).toBe(0xfee000b0);
    expect(t.cpu.exit.mmio.data[0]).toBe(0xbc);
    r = t.run(100);
    expect(r.reason).toBe(ExitReason.Hlt);
  });
  test('budget exhaustion returns Intr and resumes exactly', () => {
    const t = cpuWith(32, 'mov ecx, 100\nl: dec ecx\njnz l\nhlt');
    expect(t.run(51).reason).toBe(ExitReason.Intr);
    expect(t.cpu.instructionsRetired).toBe(51);
    expect(t.get('rcx')).toBe(75n);
    expect(t.run(1000).reason).toBe(ExitReason.Hlt);
    expect(t.cpu.instructionsRetired).toBe(1 + 200 + 1);
  });
  test('triple fault is a Shutdown exit', () => {
    const t = cpuWith(64, 'lidt [bad]\nud2\nbad: dw 0\ndq 0');
    expect(t.run(100).reason).toBe(ExitReason.Shutdown);
  });
  test('external interrupt injection', () => {
    const t = cpuWith(64, 'sti\nl: jmp l');
    t.run(10);
    t.cpu.interrupt(0x30);
    const r = t.run(10);
    expect(r.exception?.vector).toBe(0x30);
  });
});

describe('decoded-code invalidation', () => {
  test('self-modifying code within the running block', () => {
    const t = exec(32, 'mov byte [patch + 1], 42\npatch: mov eax, 1\nhlt');
    expect(t.get('rax')).toBe(42n);
  });
  test('code rewritten after it ran once', () => {
    const t = exec(32, `mov ecx, 2\nagain: call f\nmov byte [f + 1], 7\ndec ecx\njnz again\nhlt\nf: mov ebx, 3\nret`);
    expect(t.get('rbx')).toBe(7n);
  });
  test('host writes (DMA, loaders) drop decoded blocks', () => {
    const t = cpuWith(32, 'mov eax, 1\nhlt');
    t.run(10);
    expect(t.get('rax')).toBe(1n);
    t.memory.write8(0x1001, 9);
    t.set('rip', 0x1000n);
    t.run(10);
    expect(t.get('rax')).toBe(9n);
  });
});

describe('invalid encodings raise #UD', () => {
  test('LOCK on a register destination', () => {
    expect(trap(32, 'db 0xf0, 0x01, 0xc0\nhlt').vector).toBe(6);
  });
  test('UD2 and VEX', () => {
    expect(trap(64, 'ud2').vector).toBe(6);
    expect(trap(64, 'db 0xc5, 0xf8, 0x77').vector).toBe(6);
  });
  test('PUSH ES in 64-bit mode', () => {
    expect(trap(64, 'db 0x06').vector).toBe(6);
  });
});

describe('interrupt window', () => {
  test('requestInterruptWindow exits once the guest sets IF (after the STI shadow)', () => {
    const t = cpuWith(64, 'cli\nmov eax, 1\nsti\nmov eax, 2\nl: jmp l');
    t.cpu.requestInterruptWindow = true;
    const r = t.run(100);
    expect(r.reason).toBe(ExitReason.IrqWindowOpen);
    expect(t.cpu.readyForInterruptInjection).toBe(true);
    expect(t.get('rax')).toBe(2n);
    t.cpu.requestInterruptWindow = false;
    expect(t.run(10).reason).toBe(ExitReason.Intr);
  });
});

describe('budget', () => {
  test('a guest stuck in a loop of faults still returns to the VMM', () => {
    // The IDT points every vector at an unmapped handler: #PF on fetch, forever (no instruction retires).
    const t = cpuWith(64, `${PT64}
      mov qword [0x103000 + 0x50*8], 0
      lidt [idtr]
      mov rax, 0x50000
      jmp rax
      idtr: dw 0xfff
      dq 0x60000`);
    // A 64-bit IDT at 0x60000 whose gates all point to 0x50000 (not present).
    for (let v = 0; v < 256; v++) {
      t.memory.write32(0x60000 + v * 16, (0x08 << 16) | 0x0000);
      t.memory.write32(0x60000 + v * 16 + 4, 0x00058e00);
      t.memory.write32(0x60000 + v * 16 + 8, 0);
    }
    const r = t.run(1000);
    expect([ExitReason.Intr, ExitReason.Shutdown]).toContain(r.reason);
  });
});
