import { describe, expect, it } from 'vitest';
import { emuEntryRegs, emuEntrySregs } from './vcpu-state.js';

const CR0_PG = 1n << 31n;
const CR4_PAE = 1n << 5n;
const EFER_LME = 1n << 8n;
const EFER_LMA = 1n << 10n;
const EFER_NXE = 1n << 11n;

describe('the state a vCPU enters emu in', () => {
  it('is 32-bit protected mode with PAE paging for emu32, flat ring-0 data already usable', () => {
    const s = emuEntrySregs('x86_32', 0x123000n);
    expect(s.cr0 & CR0_PG).toBe(CR0_PG);
    expect(s.cr4 & CR4_PAE).toBe(CR4_PAE);
    expect(s.efer & (EFER_LME | EFER_LMA)).toBe(0n);
    expect(s.efer & EFER_NXE).toBe(EFER_NXE);
    expect(s.cr3).toBe(0x123000n);
    expect(s.cs).toMatchObject({ selector: 0xe008, l: false, db: true, dpl: 0 });
    expect(s.ds).toMatchObject({ selector: 0xe010, unusable: false, limit: 0xffffffff });
    expect(s.es).toMatchObject({ selector: 0xe010, unusable: false });
  });

  it('is long mode for emu64', () => {
    const s = emuEntrySregs('x86_64', 0x1000n);
    expect(s.efer & (EFER_LME | EFER_LMA)).toBe(EFER_LME | EFER_LMA);
    expect(s.cs).toMatchObject({ selector: 0xe008, l: true });
    expect(s.ds.unusable).toBe(true);
  });

  it('passes the vCPU id and the stack', () => {
    const r = emuEntryRegs(0xff000040n, 0xff218000n, 1);
    expect(r).toMatchObject({ rip: 0xff000040n, rsp: 0xff218000n, rdi: 1n, rflags: 2n });
  });
});
