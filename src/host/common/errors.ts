/**
 * Hypercall results: Xen's negative errno values. Services return these
 * rather than throwing, so nothing a guest does can unwind the host.
 */
import { XenErrno, type XenErrnoName } from '../../abi/xen/errno.js';

export function err(name: XenErrnoName): number {
  return -XenErrno[name];
}

/** Thrown by a service to crash the domain (the emu-port server catches it and logs). */
export class GuestFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestFault';
  }
}
