/**
 * Host-service tests with real guests, before and beside emu: boots a PV
 * test guest (the real domain builder, the real Domain and EmuPortServer)
 * on the software CPU and stands in for emu in TypeScript, for the
 * hypercalls of the guests that talk to host services (console, xenstore,
 * grants).
 *
 * What it is not: a PV implementation. The guest kernel runs in ring 0 on
 * its own initial page tables; the hypercall page holds stubs that leave
 * with `out` to SHIM_PORT; the shim then does what emu does for a
 * forwarded hypercall (copy the guest's structure into the request page,
 * one CALL, copy it back) or, for update_va_mapping, writes the L1 entry
 * itself without Xen's checks. No traps, no event upcalls (events stay
 * masked, as emu starts the guest), no other hypercalls (-ENOSYS).
 */
import { EMU_DATA_ARRAY_OFFSET, EMU_PROTOCOL_VERSION, EmuOp, EmuPort, emuRequest } from '../../src/abi/emu-port.js';
import { layout, type GuestArch, type StructDecl } from '../../src/abi/layout.js';
import * as ev from '../../src/abi/xen/event-channel.js';
import { XenErrno } from '../../src/abi/xen/errno.js';
import { GnttabOp, gnttabGetVersion, gnttabQuerySize, gnttabSetupTable, gnttabSetVersion, Gntst } from '../../src/abi/xen/grant-table.js';
import { Hypercall } from '../../src/abi/xen/hypercalls.js';
import { SchedOp, schedPoll, schedRemoteShutdown, schedShutdown } from '../../src/abi/xen/sched.js';
import { VcpuOp } from '../../src/abi/xen/vcpu.js';
import { ExitReason, IoDirection, type VcpuSegment } from '../../src/cpu/contract.js';
import { buildDomain, type BuiltDomain } from '../../src/host/builder/build.js';
import { Domain } from '../../src/host/domain/domain.js';
import { EmuPortServer } from '../../src/host/emu-port/server.js';
import { loadPvKernel } from '../../src/host/loader/pv-kernel.js';
import { nsToTsc, type GuestClock } from '../../src/host/time/clock.js';
import { createVcpu } from '../../src/machine/create-vcpu.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';

/** The port the shim's hypercall stubs write the hypercall number to. */
export const SHIM_PORT = 0x7c;
const MSR_TSC = 0x10;
const GRANT_FRAMES = 4;
const ENOSYS = -XenErrno.ENOSYS;
const VCPU_OPS_WITHOUT_STRUCT: ReadonlySet<number> = new Set([VcpuOp.up, VcpuOp.down, VcpuOp.is_up, VcpuOp.stop_periodic_timer, VcpuOp.stop_singleshot_timer]);

/** Stub N: mov eax, N; out SHIM_PORT, eax; ret (ud2 after iret, which never returns). */
function shimHypercallPage(_arch: GuestArch, page: Uint8Array): void {
  page.fill(0xcc);
  for (let n = 0; n < 128; n++) {
    const p = n * 32;
    page.set([0xb8, n & 0xff, 0, 0, 0, 0xe7, SHIM_PORT, n === Hypercall.iret ? 0x0f : 0xc3, 0x0b], p);
  }
}

export interface ShimResult {
  console: string;
  /** How the domain ended; undefined when the instruction budget ran out first. */
  end: Domain['end'];
  exitStatus: number | undefined;
  /** Hypercalls the shim does not serve, by number (a guest needing one fails). */
  unserved: number[];
  domain: Domain;
  built: BuiltDomain;
}

const segment = (selector: number, code: boolean, long: boolean): VcpuSegment => ({
  base: 0n, limit: 0xffffffff, selector, type: code ? 0xb : 0x3, present: true, dpl: 0,
  db: !long, s: true, l: long && code, g: true, avl: false, unusable: false,
});

/** Boot `image` (a PV test guest ELF) and run it to its end or `maxInstructions`. */
export interface ShimOptions {
  maxInstructions?: number;
  log?: Logger;
  /**
   * The console and xenstore backends ignore the guest's notifications and
   * serve their rings only when time passes (Domain.tick), as separate
   * daemons do on Xen: the guest must wait for them (yield, poll).
   */
  asyncBackends?: boolean;
  /** Typed on the console before the guest starts (it reaches the input ring). */
  input?: string;
}

export function runOnShim(image: Uint8Array, file: string, opts: ShimOptions = {}): ShimResult {
  const kernel = loadPvKernel(image, file);
  const arch = kernel.arch;
  // The Domain connects the console's channel first (port 1), then the store's (2), as the pv machine expects.
  const built = buildDomain(kernel, { memoryMiB: 16, hypercallPage: shimHypercallPage, reservedFrames: 1 + GRANT_FRAMES, consoleEvtchn: 1, storeEvtchn: 2 });
  const mem = built.memory;
  const log = opts.log ?? silentLogger();
  const vcpu = createVcpu({ memory: mem, cpuProfile: 'intel', logger: log });
  // Guest time is the vCPU's TSC (instruction count), so pvclock agrees with rdtsc.
  const clock: GuestClock = { tscHz: 1_000_000_000, bootWallclockNs: 1_700_000_000_000_000_000n, tsc: () => vcpu.getMsr(MSR_TSC) };
  const out: Uint8Array[] = [];
  const reqMfn = built.reserved.firstMfn;
  const domain = new Domain({
    memory: mem,
    arch,
    vcpus: 1,
    nrPages: built.nrPages,
    sharedInfoMfn: built.sharedInfoMfn,
    startInfoMfn: built.startInfo.mfn,
    consoleMfn: built.console.mfn,
    storeMfn: built.xenstore.mfn,
    grantFrames: { mfn: reqMfn + 1, count: GRANT_FRAMES },
    emu: { mfn: reqMfn, count: 1 },
    m2p: { mfn: built.m2p.tableMfn, count: built.m2p.tableFrames, virtStart: built.m2p.virt, virtEnd: built.m2p.virt + BigInt(built.m2p.tableFrames * PAGE_SIZE) },
    clock,
    log,
    consoleOut: (b) => out.push(b),
  });
  if (domain.storePort !== built.xenstore.evtchn || domain.consolePort !== built.console.evtchn) {
    throw new Error(`start_info names ports ${built.xenstore.evtchn}/${built.console.evtchn}, the host has ${domain.storePort}/${domain.consolePort}`);
  }
  if (opts.input !== undefined) domain.console.pushInput(Uint8Array.from(Buffer.from(opts.input, 'latin1')));
  if (opts.asyncBackends === true) {
    domain.store.onGuestSend = () => {};
    domain.console.onGuestSend = () => {};
  }
  const server = new EmuPortServer(domain);
  const reqL = layout(emuRequest, arch);
  const page = reqMfn * PAGE_SIZE;
  mem.write32(page + reqL.offset('version'), EMU_PROTOCOL_VERSION);
  server.handleIo(0, EmuPort.SETUP, 4, true, reqMfn);
  const data = page + reqL.offset('data');
  const arrayArea = data + EMU_DATA_ARRAY_OFFSET;

  // The CPU: ring 0, flat segments, the builder's page tables.
  const is64 = arch === 'x86_64';
  const sregs = vcpu.getSregs();
  sregs.cs = segment(0x08, true, is64);
  for (const k of ['ds', 'es', 'fs', 'gs', 'ss'] as const) sregs[k] = segment(0x10, false, is64);
  sregs.cr0 = 0x80000011n; // PG | ET | PE
  sregs.cr4 = 0x20n; // PAE
  sregs.efer = is64 ? 0x500n : 0n; // LMA | LME
  sregs.cr3 = built.vcpu.cr3;
  vcpu.setSregs(sregs);
  const regs = vcpu.getRegs();
  regs.rip = built.vcpu.rip;
  regs.rsp = built.vcpu.rsp;
  regs.rsi = built.vcpu.rsi;
  regs.rflags = 2n;
  vcpu.setRegs(regs);

  const levels = is64 ? 4 : 3;
  const wordBytes = is64 ? 8 : 4;
  /** The guest-physical address of a virtual one, through the current page tables. */
  const phys = (va: bigint): number => {
    let table = vcpu.getSregs().cr3 & 0x000ffffffffff000n;
    for (let l = levels; l >= 1; l--) {
      const index = levels === 3 && l === 3 ? (va >> 30n) & 3n : (va >> (12n + 9n * BigInt(l - 1))) & 511n;
      const e = mem.read64(Number(table + index * 8n));
      if ((e & 1n) === 0n) throw new Error(`shim: 0x${va.toString(16)} is not mapped`);
      table = e & 0x000ffffffffff000n;
    }
    return Number(table + (va & 0xfffn));
  };
  const copyIn = (va: bigint, to: number, n: number): void => {
    for (let i = 0; i < n; i++) mem.write8(to + i, mem.read8(phys(va + BigInt(i))));
  };
  const copyOut = (from: number, va: bigint, n: number): void => {
    for (let i = 0; i < n; i++) mem.write8(phys(va + BigInt(i)), mem.read8(from + i));
  };
  /** Forward a hypercall as emu does: its structure into the request page, one CALL, the structure back. */
  const forward = (op: number, args: readonly bigint[], struct?: { decl: StructDecl; va: bigint }): number => {
    for (let i = 0; i < 6; i++) mem.write64(page + reqL.offset('arg') + 8 * i, BigInt.asUintN(64, args[i] ?? 0n));
    const size = struct === undefined ? 0 : layout(struct.decl, arch).size;
    if (struct !== undefined) copyIn(struct.va, data, size);
    server.handleIo(0, EmuPort.CALL, 4, true, op);
    if (struct !== undefined) copyOut(data, struct.va, size);
    return Number(BigInt.asIntN(64, mem.read64(page + reqL.offset('ret'))));
  };
  const ulongAt = (addr: number): bigint => (is64 ? mem.read64(addr) : BigInt(mem.read32(addr)));

  const evtchnDecl: Record<number, StructDecl> = {
    [ev.EvtchnOp.alloc_unbound]: ev.evtchnAllocUnbound,
    [ev.EvtchnOp.bind_interdomain]: ev.evtchnBindInterdomain,
    [ev.EvtchnOp.bind_virq]: ev.evtchnBindVirq,
    [ev.EvtchnOp.bind_ipi]: ev.evtchnBindIpi,
    [ev.EvtchnOp.close]: ev.evtchnPortOnly,
    [ev.EvtchnOp.send]: ev.evtchnPortOnly,
    [ev.EvtchnOp.unmask]: ev.evtchnPortOnly,
    [ev.EvtchnOp.status]: ev.evtchnStatus,
    [ev.EvtchnOp.bind_vcpu]: ev.evtchnBindVcpu,
    [ev.EvtchnOp.reset]: ev.evtchnReset,
  };
  const gnttabDecl: Record<number, StructDecl> = {
    [GnttabOp.setup_table]: gnttabSetupTable,
    [GnttabOp.query_size]: gnttabQuerySize,
    [GnttabOp.set_version]: gnttabSetVersion,
    [GnttabOp.get_version]: gnttabGetVersion,
  };
  const unserved: number[] = [];

  const hypercall = (n: number, a: bigint[]): number => {
    switch (n) {
      case Hypercall.console_io: {
        const count = Number(a[1]! & 0xffffffffn);
        if (count > 3968) return -XenErrno.EINVAL;
        copyIn(a[2]!, data, count);
        return forward(EmuOp.console_io, [a[0]!, a[1]!]);
      }
      case Hypercall.event_channel_op: {
        const decl = evtchnDecl[Number(a[0])];
        return decl === undefined ? forward(EmuOp.event_channel_op, [a[0]!]) : forward(EmuOp.event_channel_op, [a[0]!], { decl, va: a[1]! });
      }
      case Hypercall.sched_op: {
        const cmd = Number(a[0]);
        if (cmd === SchedOp.poll) {
          const pl = layout(schedPoll, arch);
          const base = phys(a[1]!);
          const nr = mem.read32(base + pl.offset('nr_ports'));
          const ports = ulongAt(base + pl.offset('ports'));
          for (let i = 0; i < Math.min(nr, 128); i++) copyIn(ports + BigInt(4 * i), arrayArea + 4 * i, 4);
          return forward(EmuOp.sched_op, [a[0]!], { decl: schedPoll, va: a[1]! });
        }
        if (cmd === SchedOp.shutdown || cmd === SchedOp.shutdown_code) return forward(EmuOp.sched_op, [a[0]!], { decl: schedShutdown, va: a[1]! });
        if (cmd === SchedOp.remote_shutdown) return forward(EmuOp.sched_op, [a[0]!], { decl: schedRemoteShutdown, va: a[1]! });
        return forward(EmuOp.sched_op, [a[0]!]);
      }
      case Hypercall.grant_table_op: {
        const decl = gnttabDecl[Number(a[0])];
        if (decl === undefined) return forward(EmuOp.grant_table_op, [a[0]!, a[2]!]);
        const ret = forward(EmuOp.grant_table_op, [a[0]!, a[2]!], { decl, va: a[1]! });
        if (Number(a[0]) === GnttabOp.setup_table && ret === 0) {
          const sl = layout(gnttabSetupTable, arch);
          const base = phys(a[1]!);
          if (mem.read16(base + sl.offset('status')) === Gntst.okay) {
            const list = ulongAt(base + sl.offset('frame_list'));
            copyOut(arrayArea, list, mem.read32(base + sl.offset('nr_frames')) * wordBytes);
          }
        }
        return ret;
      }
      case Hypercall.update_va_mapping: {
        // The L1 entry that maps va, written as asked (emu validates; the shim trusts the test guest).
        const va = a[0]!;
        const pte = is64 ? a[1]! : (a[1]! & 0xffffffffn) | ((a[2]! & 0xffffffffn) << 32n);
        let table = vcpu.getSregs().cr3 & 0x000ffffffffff000n;
        for (let l = levels; l > 1; l--) {
          const index = levels === 3 && l === 3 ? (va >> 30n) & 3n : (va >> (12n + 9n * BigInt(l - 1))) & 511n;
          const e = mem.read64(Number(table + index * 8n));
          if ((e & 1n) === 0n) return -XenErrno.EINVAL;
          table = e & 0x000ffffffffff000n;
        }
        mem.write64(Number(table + ((va >> 12n) & 511n) * 8n), pte);
        vcpu.setSregs(vcpu.getSregs()); // a CR3 reload flushes the TLB
        return 0;
      }
      case Hypercall.vcpu_op:
        // Only the commands without a structure (stop the periodic or singleshot timer, up, down, is_up).
        if (VCPU_OPS_WITHOUT_STRUCT.has(Number(a[0]))) {
          return forward(EmuOp.vcpu_op, [a[0]!, a[1]!]);
        }
        unserved.push(n);
        return ENOSYS;
      case Hypercall.set_timer_op:
        return forward(EmuOp.set_timer_op, [is64 ? a[0]! : (a[0]! & 0xffffffffn) | ((a[1]! & 0xffffffffn) << 32n)]);
      default:
        unserved.push(n);
        return ENOSYS;
    }
  };

  const budget = opts.maxInstructions ?? 50_000_000;
  while (!domain.ended && vcpu.instructionsRetired < budget) {
    if (!domain.isRunnable(0)) {
      const d = domain.nextDeadline();
      if (d === undefined) throw new Error('shim: the guest blocked with nothing to wake it');
      const tsc = nsToTsc(clock, d);
      if (tsc > vcpu.getMsr(MSR_TSC)) vcpu.setMsr(MSR_TSC, tsc);
      domain.tick();
      continue;
    }
    const reason = vcpu.run(100_000);
    if (reason === ExitReason.Intr) {
      domain.tick();
      continue;
    }
    const x = vcpu.exit;
    if (reason !== ExitReason.Io || x.io.port !== SHIM_PORT || x.io.direction !== IoDirection.Out) {
      const r = vcpu.getRegs();
      throw new Error(`shim: unexpected exit ${reason} at rip 0x${r.rip.toString(16)}${reason === ExitReason.InternalError ? `: ${x.internal.message}` : ''}`);
    }
    const r = vcpu.getRegs();
    const a = is64 ? [r.rdi, r.rsi, r.rdx, r.r10, r.r8] : [r.rbx, r.rcx, r.rdx, r.rsi, r.rdi].map((v) => v & 0xffffffffn);
    const ret = hypercall(Number(r.rax & 0xffn), a);
    const after = vcpu.getRegs();
    after.rax = is64 ? BigInt.asUintN(64, BigInt(ret)) : BigInt.asUintN(32, BigInt(ret));
    vcpu.setRegs(after);
    if (domain.yielded) {
      domain.yielded = false;
      domain.tick();
    }
  }
  return {
    console: out.map((b) => Buffer.from(b).toString('latin1')).join(''),
    end: domain.end,
    exitStatus: domain.exitStatus,
    unserved,
    domain,
    built,
  };
}
