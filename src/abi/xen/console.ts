import { constants, struct, type StructDecl } from '../layout.js';

/** CONSOLEIO_* (xen.h). */
export const ConsoleIo = { write: 0, read: 1 } as const;

export const XENCONS_IN_SIZE = 1024;
export const XENCONS_OUT_SIZE = 2048;

/** struct xencons_interface (io/console.h): the PV console page. */
export const xenconsInterface: StructDecl = struct('xencons_interface', [
  { name: 'in', type: 'u8', count: XENCONS_IN_SIZE },
  { name: 'out', type: 'u8', count: XENCONS_OUT_SIZE },
  { name: 'in_cons', type: 'u32' },
  { name: 'in_prod', type: 'u32' },
  { name: 'out_cons', type: 'u32' },
  { name: 'out_prod', type: 'u32' },
], 'struct xencons_interface');

export const consoleIoConsts = constants('CONSOLEIO_', ConsoleIo, 'xen/xen.h');
