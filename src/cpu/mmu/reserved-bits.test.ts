import { describe, expect, test } from 'vitest';
import { trap, PT64 } from '../../../test/cpu/asm.js';


describe('paging: reserved bits set RSVD in the #PF error code', () => {
  test('a physical-address bit above MAXPHYADDR (40) in a PTE: read gives P|RSVD', () => {
    const r = trap(64, `${PT64}\nmov dword [0x103000 + 0x50*8 + 4], 0x100\nmov dword [0x103000 + 0x50*8], 0x50007\ninvlpg [0x50000]\nmov rax, [0x50004]\nhlt`);
    expect([r.vector, r.errorCode, r.t.cpu.s.cr2]).toEqual([14, 0x9, 0x50004]);
  });
  test('bit 13 of a 2 MiB PDE: write gives P|W|RSVD', () => {
    const r = trap(64, `${PT64}\nmov dword [0x102000 + 2*8], 0x402087\nmov byte [0x400010], 1\nhlt`);
    expect([r.vector, r.errorCode]).toEqual([14, 0xb]);
  });
  test('PS in a PDPTE (no 1 GiB pages advertised)', () => {
    const r = trap(64, `${PT64}\nmov dword [0x101000 + 1*8], 0x87\nmov rax, [0x40000000]\nhlt`);
    expect([r.vector, r.errorCode]).toEqual([14, 0x9]);
  });
  test('XD with EFER.NXE clear is reserved', () => {
    const r = trap(64, `${PT64}\nmov ecx, 0xc0000080\nrdmsr\nbtr eax, 11\nwrmsr\nmov dword [0x103000 + 0x50*8 + 4], 0x80000000\nmov dword [0x103000 + 0x50*8], 0x50007\ninvlpg [0x50000]\nmov rax, [0x50000]\nhlt`);
    expect([r.vector, r.errorCode]).toEqual([14, 0x9]);
  });
  test('bit 21 of a 4 MiB PDE under 32-bit paging (PSE-36 with 40 address bits)', () => {
    const r = trap(32, `
      mov edi, 0x100000
      mov ecx, 1024
      mov eax, 0x87
    f: mov [edi], eax
      add eax, 0x400000
      add edi, 4
      loop f
      mov dword [0x100000 + 1*4], 0x600087
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov eax, 0x100000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
      mov eax, [0x400010]
      hlt`);
    expect([r.vector, r.errorCode, r.t.cpu.s.cr2]).toEqual([14, 0x9, 0x400010]);
  });
});
