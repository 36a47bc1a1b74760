/**
 * The one place machines get a vCPU from: the software CPU (src/cpu) with
 * the CPUID profile the user chose (--cpu). A hardware backend (KVM) would
 * plug in here behind the same contract.
 */
import { Cpu } from '../cpu/cpu.js';
import type { Vcpu } from '../cpu/contract.js';
import { cpuidProfile } from '../cpu/cpuid.js';
import type { Logger } from '../log/logger.js';
import type { GuestMemory } from '../memory/guest-memory.js';

export interface VcpuOptions {
  memory: GuestMemory;
  cpuProfile: 'intel' | 'amd';
  logger: Logger;
}

export type VcpuFactory = (opts: VcpuOptions) => Vcpu;

export const createVcpu: VcpuFactory = ({ memory, cpuProfile, logger }) => {
  const cpu = new Cpu(memory);
  cpu.setCpuid(cpuidProfile(cpuProfile));
  logger.debug({ cpu: 'software', profile: cpuProfile }, 'vCPU created');
  return cpu;
};
