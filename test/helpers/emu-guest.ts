/**
 * A test stand-in for emu: builds a Domain over a real GuestMemory with the
 * layout a builder would use, registers request pages the way emu does at
 * boot, and issues requests exactly as emu would (fill the request page,
 * one 32-bit `out` to the CALL port, read `ret`).
 */
import { EMU_DATA_ARRAY_OFFSET, EMU_PROTOCOL_VERSION, EmuPort, emuRequest } from '../../src/abi/emu-port.js';
import { layout, type FieldLayout, type GuestArch, type StructDecl, type StructLayout } from '../../src/abi/layout.js';
import { sharedInfo, vcpuInfo } from '../../src/abi/xen/shared-info.js';
import { Domain, type DomainConfig } from '../../src/host/domain/domain.js';
import { EmuPortServer } from '../../src/host/emu-port/server.js';
import { ManualClock } from '../../src/host/time/clock.js';
import { silentLogger } from '../../src/log/logger.js';
import { GuestMemory, PAGE_SIZE } from '../../src/memory/guest-memory.js';

export const FRAMES = 1024; // 4 MiB
export const NR_PAGES = 768;
export const SHARED_INFO_MFN = 900;
export const START_INFO_MFN = 1;
export const CONSOLE_MFN = 2;
export const STORE_MFN = 3;
export const GRANT_MFN = 901;
export const GRANT_FRAMES = 4;
export const M2P_MFN = 940;
export const EMU_MFN = 960;
/** emu's request page for vCPU v. */
export const reqPageMfn = (v: number): number => EMU_MFN + v;

export interface Harness {
  readonly mem: GuestMemory;
  readonly clock: ManualClock;
  readonly domain: Domain;
  readonly server: EmuPortServer;
  readonly arch: GuestArch;
  readonly out: Uint8Array[];
  readonly kicks: number[];
  /** Console text written so far. */
  consoleText(): string;
  /** Issue request `op` from vCPU v with args and a data fill; returns ret as a signed bigint. */
  call(op: number, args?: readonly (number | bigint)[], fill?: (data: number) => void, v?: number): bigint;
  /** Guest-physical address of vCPU v's data area. */
  data(v?: number): number;
  /** Guest-physical address of vCPU v's array area. */
  array(v?: number): number;
  /** Write a structure's fields into vCPU v's data area (guest layout). */
  writeStruct(decl: StructDecl, values: Record<string, number | bigint>, v?: number): void;
  readField(decl: StructDecl, field: string, size: 1 | 2 | 4 | 8, v?: number): bigint;
  si(field: string): number;
  vi(v: number, field: string): number;
}

export function makeHarness(arch: GuestArch = 'x86_64', opts: Partial<DomainConfig> = {}): Harness {
  const mem = new GuestMemory(FRAMES * PAGE_SIZE);
  const clock = new ManualClock();
  const out: Uint8Array[] = [];
  const domain = new Domain({
    memory: mem,
    arch,
    vcpus: 2,
    nrPages: NR_PAGES,
    sharedInfoMfn: SHARED_INFO_MFN,
    startInfoMfn: START_INFO_MFN,
    consoleMfn: CONSOLE_MFN,
    storeMfn: STORE_MFN,
    grantFrames: { mfn: GRANT_MFN, count: GRANT_FRAMES },
    emu: { mfn: EMU_MFN, count: 64 },
    m2p: { mfn: M2P_MFN, count: 8, virtStart: 0xffff800000000000n, virtEnd: 0xffff800000008000n },
    clock,
    log: silentLogger(),
    consoleOut: (b) => out.push(b),
    ...opts,
  });
  const kicks: number[] = [];
  domain.hooks = { kick: (v) => kicks.push(v) };
  const server = new EmuPortServer(domain);
  const reqL: StructLayout = layout(emuRequest, arch);
  for (let v = 0; v < domain.vcpus.length; v++) {
    mem.write32(reqPageMfn(v) * PAGE_SIZE + reqL.offset('version'), EMU_PROTOCOL_VERSION);
    server.handleIo(v, EmuPort.SETUP, 4, true, reqPageMfn(v));
  }
  const data = (v = 0): number => reqPageMfn(v) * PAGE_SIZE + reqL.offset('data');
  const siL = layout(sharedInfo, arch);
  const viL = layout(vcpuInfo, arch);
  return {
    mem,
    clock,
    domain,
    server,
    arch,
    out,
    kicks,
    consoleText: () => out.map((b) => Buffer.from(b).toString('latin1')).join(''),
    call(op, args = [], fill, v = 0) {
      const page = reqPageMfn(v) * PAGE_SIZE;
      for (let i = 0; i < 6; i++) mem.write64(page + reqL.offset('arg') + 8 * i, BigInt.asUintN(64, BigInt(args[i] ?? 0)));
      fill?.(data(v));
      server.handleIo(v, EmuPort.CALL, 4, true, op);
      return BigInt.asIntN(64, mem.read64(page + reqL.offset('ret')));
    },
    data,
    array: (v = 0) => data(v) + EMU_DATA_ARRAY_OFFSET,
    writeStruct(decl, values, v = 0) {
      const l = layout(decl, arch);
      mem.fill(data(v), l.size, 0);
      for (const [k, val] of Object.entries(values)) {
        const off = data(v) + l.offset(k);
        const f = fieldSize(l, k);
        if (f === 1) mem.write8(off, Number(val));
        else if (f === 2) mem.write16(off, Number(val));
        else if (f === 4) mem.write32(off, Number(BigInt.asUintN(32, BigInt(val))));
        else mem.write64(off, BigInt(val));
      }
    },
    readField(decl, field, size, v = 0) {
      const off = data(v) + layout(decl, arch).offset(field);
      if (size === 1) return BigInt(mem.read8(off));
      if (size === 2) return BigInt(mem.read16(off));
      if (size === 4) return BigInt(mem.read32(off));
      return mem.read64(off);
    },
    si: (field) => SHARED_INFO_MFN * PAGE_SIZE + siL.offset(field),
    vi: (v, field) => domain.vcpus[v]!.vcpuInfoAddr + viL.offset(field),
  };
}

function fieldSize(l: StructLayout, path: string): number {
  let cur: StructLayout | undefined = l;
  let size = 0;
  for (const part of path.split('.')) {
    const f: FieldLayout | undefined = cur?.fields.get(part);
    if (f === undefined) throw new Error(`no field ${path}`);
    size = f.size;
    cur = f.layout;
  }
  return size;
}
