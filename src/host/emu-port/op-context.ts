import type { Domain } from '../domain/domain.js';
import type { HostVcpu } from '../domain/host-vcpu.js';
import type { EmuRequest } from './request.js';

/** What an op handler gets: the domain, the calling vCPU and its request. */
export interface OpContext {
  readonly domain: Domain;
  readonly vcpu: HostVcpu;
  readonly req: EmuRequest;
}

/** An op handler: the value for the request's `ret` (a negative Xen errno on failure). */
export type OpHandler = (ctx: OpContext) => number | bigint;
