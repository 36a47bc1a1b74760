/**
 * The `pv` machine: a Xen PV kernel under emu, with no Xen (docs/emu.md,
 * "Start of day").
 *
 *   1. the domain builder lays the kernel out as Xen's would, reserving
 *      frames for emu;
 *   2. emu's image goes into those frames and its part of the hole is
 *      mapped into the initial top-level table;
 *   3. the Domain (host services) serves the emu port;
 *   4. vCPU 0 starts in emu, which builds its world and enters the kernel.
 */
import { EMU32, EMU64 } from '../../abi/emu-image.js';
import { EmuPort } from '../../abi/emu-port.js';
import { buildDomain } from '../../host/builder/build.js';
import { Domain, PV_DEFAULT_PERIOD_NS } from '../../host/domain/domain.js';
import { EmuPortServer } from '../../host/emu-port/server.js';
import { loadPvKernel } from '../../host/loader/pv-kernel.js';
import { formatXenstoreTree } from '../../host/xenstore/dump.js';
import { PAGE_SIZE, type GuestMemory } from '../../memory/guest-memory.js';
import { allOnes } from '../bus-device.js';
import { createVcpu, type VcpuFactory } from '../create-vcpu.js';
import { IoBus } from '../io-bus.js';
import type { MachineConfig, MachineLauncher, MachineResult } from '../machine.js';
import { MmioBus } from '../mmio-bus.js';
import { RunLoop } from '../run-loop.js';
import { loadEmuImage } from './emu-image.js';
import { emuReservation, emuStackTop, mapEmu, planEmuFrames } from './emu-frames.js';
import { EventKick, PvScheduler } from './scheduler.js';
import { VcpuClock } from './vcpu-clock.js';
import { emuEntryRegs, emuEntrySregs } from './vcpu-state.js';

/** The console and xenstore ports the Domain allocates first (its backends connect in this order). */
const CONSOLE_EVTCHN = 1;
const STORE_EVTCHN = 2;

export interface PvMachineHooks {
  createVcpu?: VcpuFactory;
  /** Sees the domain and the emu-port server once they exist (tests, benchmarks). */
  onDomain?: (domain: Domain, server: EmuPortServer) => void;
}

export function pvMachine(hooks: PvMachineHooks = {}): MachineLauncher {
  return async (config: MachineConfig): Promise<MachineResult> => {
    const { logger } = config;
    const kernel = loadPvKernel(config.image, config.file);
    const arch = kernel.arch;
    if (config.vcpus > 1) logger.warn({ vcpus: config.vcpus }, 'emu brings up one vCPU so far; booting with one');
    const vcpus = 1;
    const image = loadEmuImage(arch, arch === 'x86_32' ? EMU32.BASE : EMU64.BASE);

    // Frames for emu: the M2P and its tables are about 1/512 of the machine.
    const nrPages = config.memoryMiB * 256;
    const hypervisorFrames = 1 + Math.ceil(nrPages / 256) + 16;
    const reserved = emuReservation(arch, image.pages, vcpus, nrPages, hypervisorFrames);
    const built = buildDomain(kernel, {
      memoryMiB: config.memoryMiB,
      cmdline: config.cmdline,
      ...(config.initrd !== undefined ? { initrd: config.initrd.bytes } : {}),
      reservedFrames: reserved,
      consoleEvtchn: CONSOLE_EVTCHN,
      storeEvtchn: STORE_EVTCHN,
    });
    const mem = built.memory;
    const plan = planEmuFrames(arch, image.pages, vcpus, built.reserved.firstMfn, built.reserved.count, mem.pages);
    const top = built.pageTables.topMfn * PAGE_SIZE;
    const hole = mapEmu(arch, mem, plan, image, vcpus, mem.pages);
    const holeTable = hole.level === 4 ? top : paeTopL2(mem, top);
    for (const [slot, entry] of hole.entries) mem.write64(holeTable + slot * 8, entry);

    const clock = new VcpuClock();
    const domain = new Domain({
      memory: mem,
      arch: built.arch,
      vcpus,
      nrPages: built.nrPages,
      sharedInfoMfn: built.sharedInfoMfn,
      startInfoMfn: built.startInfo.mfn,
      consoleMfn: built.console.mfn,
      storeMfn: built.xenstore.mfn,
      grantFrames: plan.grant,
      emu: plan.emu,
      m2p: {
        mfn: built.m2p.tableMfn,
        count: built.m2p.tableFrames,
        virtStart: built.m2p.virt,
        virtEnd: built.m2p.virt + BigInt(built.m2p.tableFrames * PAGE_SIZE),
      },
      clock,
      log: logger,
      consoleOut: config.consoleOut,
      defaultPeriodicTimerNs: PV_DEFAULT_PERIOD_NS,
      emuBoot: {
        frameInfo: plan.frameInfo,
        kernelEntry: built.vcpu.rip,
        kernelSp: built.vcpu.rsp,
        startInfoVirt: built.vcpu.rsi,
        topMfn: built.pageTables.topMfn,
        hypervisorVirtStart: kernel.hypervisorStart,
      },
    });
    if (domain.consolePort !== built.console.evtchn || domain.storePort !== built.xenstore.evtchn) {
      throw new Error(`the domain allocated console/xenstore ports ${domain.consolePort}/${domain.storePort}, start_info says ${built.console.evtchn}/${built.xenstore.evtchn}`);
    }
    const server = new EmuPortServer(domain);
    hooks.onDomain?.(domain, server);

    const vcpu = (hooks.createVcpu ?? createVcpu)({ memory: mem, cpuProfile: config.cpuProfile, logger });
    clock.attach(vcpu);
    vcpu.setSregs(emuEntrySregs(arch, BigInt(top)));
    vcpu.setRegs(emuEntryRegs(image.entry, emuStackTop(arch, 0), 0));

    const io = new IoBus(logger);
    io.register('emu port', EmuPort.BASE, EmuPort.COUNT, {
      read: (offset, size) => {
        const value = server.handleIo(0, EmuPort.BASE + offset, size, false, 0);
        return size === 4 ? value >>> 0 : value & allOnes(size);
      },
      write: (offset, size, value) => void server.handleIo(0, EmuPort.BASE + offset, size, true, value),
    });
    const kick = new EventKick();
    domain.hooks = { kick: () => kick.kick() };

    let inputOpen = config.consoleIn !== undefined;
    const scheduler = new PvScheduler(domain, clock, 0, () => inputOpen);
    const unsubscribe = config.consoleIn?.subscribe(
      (bytes) => {
        domain.console.pushInput(bytes);
        scheduler.wakeForInput();
      },
      () => {
        inputOpen = false;
        scheduler.wakeForInput();
      },
    );

    const loop = new RunLoop({
      vcpu,
      io,
      mmio: new MmioBus(logger),
      logger,
      interrupts: kick,
      scheduler,
      ...(config.maxInstructions !== undefined ? { maxInstructions: config.maxInstructions } : {}),
      onYield: () => domain.console.service(),
    });
    try {
      const result = await loop.run();
      logger.debug({ requests: Object.fromEntries(server.counts) }, 'emu-port requests by op');
      return result;
    } finally {
      unsubscribe?.();
      domain.console.service();
      if (config.dumpXenstore === true) {
        const tree = formatXenstoreTree(domain.xenstore);
        if (config.debugOut !== undefined) config.debugOut(Buffer.from(tree));
        else logger.info({ xenstore: tree }, 'xenstore at the end of the run');
      }
    }
  };
}

/** PAE: the address of the L2 under L3 slot 3, which holds Xen's hole (and so emu's entries). */
function paeTopL2(mem: GuestMemory, l3: number): number {
  const e = mem.read64(l3 + 3 * 8);
  if ((e & 1n) === 0n) throw new Error('the PAE top-level table has no L2 for the hole');
  return Number(e & 0x000ffffffffff000n);
}

export const bootPv: MachineLauncher = pvMachine();
