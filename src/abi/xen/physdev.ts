import { constants, struct } from '../layout.js';

/** The PHYSDEVOP_* commands a PV domU may issue (physdev.h). */
export const PhysdevOp = {
  eoi: 12,
  pirq_eoi_gmfn_v1: 17,
  pirq_eoi_gmfn_v2: 28,
  set_iopl: 6,
  set_iobitmap: 7,
  irq_status_query: 5,
  get_free_pirq: 23,
} as const;

/** struct physdev_set_iopl: the guest kernel's virtual IOPL (0-3). */
export const physdevSetIopl = struct('physdev_set_iopl', [{ name: 'iopl', type: 'u32' }], 'struct physdev_set_iopl');

export const physdevOpConsts = constants('PHYSDEVOP_', PhysdevOp, 'xen/physdev.h');
