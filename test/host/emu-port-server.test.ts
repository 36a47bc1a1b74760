import { describe, expect, it } from 'vitest';
import { EMU_PORT_MAGIC_VALUE, EMU_PROTOCOL_VERSION, EmuOp, EmuPort, emuBootInfo, emuRequest } from '../../src/abi/emu-port.js';
import { layout } from '../../src/abi/layout.js';
import { XenErrno } from '../../src/abi/xen/errno.js';
import { EmuPortServer } from '../../src/host/emu-port/server.js';
import { ExitStatus } from '../../src/cli/exit-status.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { EMU_MFN, makeHarness, reqPageMfn } from '../helpers/emu-guest.js';

describe.each(['x86_64', 'x86_32'] as const)('emu-port server (%s)', (arch) => {
  const rl = layout(emuRequest, arch);

  it('answers the magic and version ports', () => {
    const h = makeHarness(arch);
    expect(h.server.handleIo(0, EmuPort.MAGIC, 4, false, 0)).toBe(EMU_PORT_MAGIC_VALUE);
    expect(h.server.handleIo(0, EmuPort.VERSION, 4, false, 0)).toBe(EMU_PROTOCOL_VERSION);
    expect(h.server.handleIo(0, EmuPort.CALL, 4, false, 0)).toBe(0xffffffff);
    expect(EmuPortServer.claims(EmuPort.CALL)).toBe(true);
    expect(EmuPortServer.claims(EmuPort.BASE + EmuPort.COUNT)).toBe(false);
  });

  it('records the vCPU in the page at setup and the op with each result', () => {
    const h = makeHarness(arch);
    expect(h.mem.read32(reqPageMfn(1) * PAGE_SIZE + rl.offset('vcpu'))).toBe(1);
    expect(h.call(0x1ff, [], undefined, 1)).toBe(BigInt(-XenErrno.ENOSYS));
    expect(h.mem.read32(reqPageMfn(1) * PAGE_SIZE + rl.offset('op'))).toBe(0x1ff);
    expect(h.server.counts.get(EmuPortServer.UNKNOWN_OP)).toBe(1);
  });

  it('counts unknown ops under one key, so guest-chosen op codes cannot grow the counters', () => {
    const h = makeHarness(arch);
    for (let op = 0x1000; op < 0x1000 + 500; op++) h.call(op);
    h.call(EmuOp.BOOT_INFO);
    expect(h.server.counts.get(EmuPortServer.UNKNOWN_OP)).toBe(500);
    expect(h.server.counts.get(EmuOp.BOOT_INFO)).toBe(1);
    expect(h.server.counts.size).toBe(2);
  });

  it('BOOT_INFO describes the domain', () => {
    const h = makeHarness(arch);
    expect(h.call(EmuOp.BOOT_INFO)).toBe(0n);
    const bl = layout(emuBootInfo, arch);
    const r = (f: string): bigint => h.mem.read64(h.data() + bl.offset(f));
    expect(h.mem.read32(h.data() + bl.offset('guest_bits'))).toBe(arch === 'x86_64' ? 64 : 32);
    expect(h.mem.read32(h.data() + bl.offset('nr_vcpus'))).toBe(2);
    expect(r('nr_pages')).toBe(768n);
    expect(r('shared_info_mfn')).toBe(900n);
    expect(r('store_evtchn')).toBe(BigInt(h.domain.storePort));
    expect(r('emu_mfn')).toBe(BigInt(EMU_MFN));
    expect(r('tsc_hz')).toBe(1_000_000_000n);
  });

  it('LOG takes its text from the data area and refuses lengths beyond it', () => {
    const h = makeHarness(arch);
    expect(h.call(EmuOp.LOG, [5], (d) => h.mem.writeBytes(d, Buffer.from('hello')))).toBe(0n);
    expect(h.call(EmuOp.LOG, [1 << 20])).toBe(BigInt(-XenErrno.EINVAL));
  });

  it('crashes the domain for protocol violations, with the crash exit status', () => {
    const bad: Array<(h: ReturnType<typeof makeHarness>) => void> = [
      (h) => h.server.handleIo(0, EmuPort.CALL, 2, true, 1),
      (h) => h.server.handleIo(0, EmuPort.SETUP, 4, true, 0xfffff),
      (h) => {
        h.mem.write32(reqPageMfn(0) * PAGE_SIZE, 0x00090000);
        h.server.handleIo(0, EmuPort.SETUP, 4, true, reqPageMfn(0));
      },
      (h) => {
        const s = new EmuPortServer(h.domain);
        s.handleIo(0, EmuPort.CALL, 4, true, EmuOp.sched_op);
      },
      (h) => h.call(EmuOp.CRASH, [3, 4], (d) => h.mem.writeBytes(d, Buffer.from('oops'))),
    ];
    for (const f of bad) {
      const h = makeHarness(arch);
      f(h);
      expect(h.domain.ended).toBe(true);
      expect(h.domain.exitStatus).toBe(ExitStatus.Crash);
      // A dead domain's ports read as floating and do nothing.
      expect(h.server.handleIo(0, EmuPort.MAGIC, 4, false, 0)).toBe(0xffffffff);
    }
  });

  it('ignores accesses from vCPUs that do not exist', () => {
    const h = makeHarness(arch);
    expect(h.server.handleIo(7, EmuPort.MAGIC, 4, false, 0)).toBe(0xffffffff);
    expect(h.server.handleIo(-1, EmuPort.CALL, 4, true, 0)).toBe(0xffffffff);
    expect(h.domain.ended).toBe(false);
  });
});
