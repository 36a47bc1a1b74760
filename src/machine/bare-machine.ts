/**
 * The bare machine that boots test kernels (multiboot, PVH): guest RAM, the
 * bare platform's devices, one vCPU entered in 32-bit flat protected mode,
 * and the run loop. The boot protocols differ only in how they load the
 * kernel and the boot information (a BootProtocol).
 */
import type { Vcpu, VcpuRegs, VcpuSregs } from '../cpu/contract.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { BarePlatform } from './bare-platform.js';
import { createVcpu, type VcpuFactory } from './create-vcpu.js';
import type { MachineConfig, MachineLauncher, MachineResult } from './machine.js';
import { RunLoop } from './run-loop.js';

export interface BootState {
  regs: VcpuRegs;
  sregs: VcpuSregs;
}

/** Loads the kernel and its boot information into memory; returns the entry state. */
export type BootProtocol = (config: MachineConfig, memory: GuestMemory) => BootState;

export interface BareMachineHooks {
  createVcpu?: VcpuFactory;
  /** Sees the vCPU once it is set up (tests). */
  onVcpu?: (vcpu: Vcpu, memory: GuestMemory) => void;
}

export function bareMachine(boot: BootProtocol, hooks: BareMachineHooks = {}): MachineLauncher {
  return async (config: MachineConfig): Promise<MachineResult> => {
    const { logger } = config;
    if (config.vcpus > 1) logger.warn({ vcpus: config.vcpus }, 'the bare machine has one vCPU; booting with one');
    const memory = new GuestMemory(config.memoryMiB * 2 ** 20);
    const state = boot(config, memory);
    const vcpu = (hooks.createVcpu ?? createVcpu)({ memory, cpuProfile: config.cpuProfile, logger });
    vcpu.setSregs(state.sregs);
    vcpu.setRegs(state.regs);
    hooks.onVcpu?.(vcpu, memory);

    let loop: RunLoop | undefined;
    const platform = new BarePlatform({
      logger,
      consoleOut: config.consoleOut,
      ...(config.debugOut !== undefined ? { debugOut: config.debugOut } : {}),
      ...(config.consoleIn !== undefined ? { consoleIn: config.consoleIn } : {}),
      onDebugExit: (status, value) => loop?.stop({ status, reason: `debug exit: the guest wrote 0x${value.toString(16)} to port 0xf4` }),
    });
    loop = new RunLoop({
      vcpu,
      io: platform.io,
      mmio: platform.mmio,
      logger,
      ...(config.maxInstructions !== undefined ? { maxInstructions: config.maxInstructions } : {}),
      onYield: () => platform.flush(),
    });
    try {
      return await loop.run();
    } finally {
      platform.close();
    }
  };
}
