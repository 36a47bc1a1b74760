/**
 * The one place machines get a vCPU from. The bare-machine branch has no
 * CPU backend: this is where the software CPU (src/cpu), and later KVM,
 * plug in.
 */
import { UserError } from '../cli/user-error.js';
import type { Vcpu } from '../cpu/contract.js';
import type { Logger } from '../log/logger.js';
import type { GuestMemory } from '../memory/guest-memory.js';

export interface VcpuOptions {
  memory: GuestMemory;
  cpuProfile: 'intel' | 'amd';
  logger: Logger;
}

export type VcpuFactory = (opts: VcpuOptions) => Vcpu;

export const createVcpu: VcpuFactory = () => {
  throw new UserError('no CPU backend in this build of xenner: the software CPU is not linked in (src/machine/create-vcpu.ts)');
};
