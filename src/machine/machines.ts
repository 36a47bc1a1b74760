import type { MachineLauncher, MachineName } from './machine.js';
import { bareMachine } from './bare-machine.js';
import { bootMultiboot } from './multiboot/machine.js';
import { bootPvh } from './pvh/machine.js';
import { bootPv } from './pv/machine.js';

/**
 * Every machine xenner can run, by name. Each entry is added by the module
 * that implements it; a name missing here is reported to the user as
 * "cannot boot yet", with exit status 2.
 */
export const MACHINES: Partial<Record<MachineName, MachineLauncher>> = {
  multiboot: bareMachine(bootMultiboot),
  pvh: bareMachine(bootPvh),
  pv: bootPv,
};
