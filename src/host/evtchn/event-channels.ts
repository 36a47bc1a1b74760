/**
 * A domain's event channels, 2-level ABI: the port table, the operations of
 * event_channel_op (typed, already decoded from the guest's structures) and
 * the host's side of interdomain channels to its backends.
 *
 * The guest is domain `domid`; the host's backends (console, xenstore, later
 * block and net) act as domain 0, as they would in a Xen dom0.
 *
 * Port 0 is in the table but reserved, as on Xen (evtchn_init marks it
 * ECS_RESERVED): never allocated, so it reads as closed. Xen's checks are
 * by table range and then by state, and the guest can tell the difference:
 * EVTCHNOP_status of port 0 succeeds (closed), EVTCHNOP_unmask of port 0
 * succeeds (the 2-level unmask runs on bit 0), SCHEDOP_poll accepts port 0,
 * while send, close and bind_vcpu fail on its state with -EINVAL.
 */
import type { GuestArch } from '../../abi/layout.js';
import { DomId, EVTCHN_2L_NR_CHANNELS, EvtchnStat, NR_VIRQS, PER_VCPU_VIRQS } from '../../abi/xen/event-channel.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { EvtchnShadow } from '../../abi/emu-port.js';
import { err } from '../common/errors.js';
import { PendingBits } from './pending-bits.js';

/** The domain id of the host's backends. */
export const HOST_DOMID = 0;

/** A host backend at the far end of an interdomain channel. */
export interface BackendEndpoint {
  readonly name: string;
  /** The guest sent on the channel (EVTCHNOP_send). */
  onGuestSend(): void;
  /** The guest closed its end. */
  onGuestClose?(): void;
}

/** How the event-channel code reaches the rest of the domain. */
export interface EventDelivery {
  readonly vcpuCount: number;
  /** Guest-physical address of shared_info. */
  sharedInfoAddr(): number;
  /** Guest-physical address of vCPU `vcpu`'s vcpu_info. */
  vcpuInfoAddr(vcpu: number): number;
  /** evtchn_upcall_pending was just set on `vcpu`: wake it and interrupt it. */
  kick(vcpu: number): void;
  /** `port` became pending: wake vCPUs polling on it (even if masked). */
  portPending(port: number): void;
}

class Port {
  state: EvtchnStat = EvtchnStat.closed;
  /** The vCPU notified. */
  vcpu = 0;
  /** unbound: who may bind; interdomain: the other domain. */
  remoteDom = 0;
  /** interdomain: the other end's port (a guest port for loopback, a host port for backends). */
  remotePort = 0;
  virq = 0;
  backend: BackendEndpoint | undefined = undefined;

  reset(): void {
    this.state = EvtchnStat.closed;
    this.vcpu = 0;
    this.remoteDom = 0;
    this.remotePort = 0;
    this.virq = 0;
    this.backend = undefined;
  }
}

/** EVTCHNOP_status's answer. */
export interface PortStatus {
  status: EvtchnStat;
  vcpu: number;
  /** unbound: remote domain; interdomain: remote domain; virq: the VIRQ. */
  dom: number;
  port: number;
  virq: number;
}

/** A result: a port number (>= 0) or a negative Xen errno. */
export type PortOrError = number;

export class EventChannels {
  readonly nrPorts: number;
  private readonly ports: Port[];
  private readonly bits: PendingBits;
  /** virq -> per vCPU bound port (0 when unbound). */
  private readonly virqPorts: Int32Array[];
  /** Host ports offered to the guest for bind_interdomain: host port -> endpoint. */
  private readonly offered = new Map<number, BackendEndpoint>();
  private nextHostPort = 1;
  private shadowAddr: number | undefined;

  constructor(
    private readonly domid: number,
    arch: GuestArch,
    private readonly mem: GuestMemory,
    private readonly delivery: EventDelivery,
  ) {
    this.nrPorts = EVTCHN_2L_NR_CHANNELS[arch];
    this.ports = Array.from({ length: this.nrPorts }, () => new Port());
    this.bits = new PendingBits(mem, arch);
    this.virqPorts = Array.from({ length: NR_VIRQS }, () => new Int32Array(delivery.vcpuCount));
  }

  get pendingBits(): PendingBits {
    return this.bits;
  }

  /** Xen's port_is_valid: in the table (port 0, reserved, included). */
  isValid(port: number): boolean {
    return Number.isInteger(port) && port >= 0 && port < this.nrPorts;
  }

  private isSelf(dom: number): boolean {
    return dom === DomId.SELF || dom === this.domid;
  }

  /**
   * The answer for an operation on another domain's channels: domain 0
   * (the host) exists but the guest has no rights over it (XSM_TARGET:
   * -EPERM); any other domain does not exist (-ESRCH).
   */
  private otherDomainError(dom: number): number {
    return dom === HOST_DOMID ? err('EPERM') : err('ESRCH');
  }

  private validVcpu(vcpu: number): boolean {
    return Number.isInteger(vcpu) && vcpu >= 0 && vcpu < this.delivery.vcpuCount;
  }

  /** The lowest free port; port 0 is reserved. */
  private allocPort(): PortOrError {
    for (let p = 1; p < this.nrPorts; p++) if (this.ports[p]!.state === EvtchnStat.closed) return p;
    return err('ENOSPC');
  }

  stateOf(port: number): EvtchnStat {
    return this.isValid(port) ? this.ports[port]!.state : EvtchnStat.closed;
  }

  // ---- event_channel_op -------------------------------------------------

  allocUnbound(dom: number, remoteDom: number): PortOrError {
    if (!this.isSelf(dom)) return this.otherDomainError(dom);
    // Like Xen, any remote domid is recorded: only that domain may bind it later.
    const remote = remoteDom === DomId.SELF ? this.domid : remoteDom;
    const p = this.allocPort();
    if (p < 0) return p;
    const port = this.ports[p]!;
    port.state = EvtchnStat.unbound;
    port.remoteDom = remote;
    this.publish(p);
    return p;
  }

  bindInterdomain(remoteDom: number, remotePort: number): PortOrError {
    if (this.isSelf(remoteDom)) {
      // Loopback: the other end is one of our own unbound ports offered to ourselves.
      if (!this.isValid(remotePort)) return err('EINVAL');
      const rp = this.ports[remotePort]!;
      if (rp.state !== EvtchnStat.unbound || rp.remoteDom !== this.domid) return err('EINVAL');
      const p = this.allocPort();
      if (p < 0) return p;
      const lp = this.ports[p]!;
      lp.state = EvtchnStat.interdomain;
      lp.remoteDom = this.domid;
      lp.remotePort = remotePort;
      rp.state = EvtchnStat.interdomain;
      rp.remoteDom = this.domid;
      rp.remotePort = p;
      this.publish(p);
      this.publish(remotePort);
      // Xen raises the new local port so neither side misses an event sent before the bind.
      this.setPending(p);
      return p;
    }
    if (remoteDom !== HOST_DOMID) return err('ESRCH');
    const endpoint = this.offered.get(remotePort);
    if (endpoint === undefined) return err('EINVAL');
    const p = this.allocPort();
    if (p < 0) return p;
    this.offered.delete(remotePort);
    const lp = this.ports[p]!;
    lp.state = EvtchnStat.interdomain;
    lp.remoteDom = HOST_DOMID;
    lp.remotePort = remotePort;
    lp.backend = endpoint;
    this.publish(p);
    this.setPending(p);
    return p;
  }

  bindVirq(virq: number, vcpu: number): PortOrError {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return err('EINVAL');
    if (!PER_VCPU_VIRQS.has(virq) && vcpu !== 0) return err('EINVAL');
    if (!this.validVcpu(vcpu)) return err('ENOENT');
    if (this.virqPorts[virq]![vcpu] !== 0) return err('EEXIST');
    const p = this.allocPort();
    if (p < 0) return p;
    const port = this.ports[p]!;
    port.state = EvtchnStat.virq;
    port.virq = virq;
    port.vcpu = vcpu;
    this.virqPorts[virq]![vcpu] = p;
    this.publish(p);
    return p;
  }

  /**
   * The vCPU a VIRQ's binding is recorded under: its own for per-vCPU VIRQs;
   * vCPU 0 for global ones, whatever bind_vcpu later made the notified vCPU
   * (Xen's virq_to_evtchn keeps them on vcpu[0] too).
   */
  private virqSlot(virq: number, vcpu: number): number {
    return PER_VCPU_VIRQS.has(virq) ? vcpu : 0;
  }

  bindIpi(vcpu: number): PortOrError {
    if (!this.validVcpu(vcpu)) return err('ENOENT');
    const p = this.allocPort();
    if (p < 0) return p;
    const port = this.ports[p]!;
    port.state = EvtchnStat.ipi;
    port.vcpu = vcpu;
    this.publish(p);
    return p;
  }

  close(p: number): number {
    if (!this.isValid(p)) return err('EINVAL');
    const port = this.ports[p]!;
    switch (port.state) {
      case EvtchnStat.closed:
        return err('EINVAL');
      case EvtchnStat.virq:
        this.virqPorts[port.virq]![this.virqSlot(port.virq, port.vcpu)] = 0;
        break;
      case EvtchnStat.interdomain:
        if (port.backend !== undefined) {
          const b = port.backend;
          port.backend = undefined;
          b.onGuestClose?.();
        } else if (port.remoteDom === this.domid) {
          // The loopback peer falls back to unbound, still offered to us.
          const peer = this.ports[port.remotePort]!;
          peer.state = EvtchnStat.unbound;
          peer.remoteDom = this.domid;
          peer.remotePort = 0;
          this.publish(port.remotePort);
        }
        break;
      default:
        break;
    }
    this.bits.clearPending(this.delivery.sharedInfoAddr(), p);
    port.reset();
    this.publish(p);
    return 0;
  }

  send(p: number): number {
    if (!this.isValid(p)) return err('EINVAL');
    const port = this.ports[p]!;
    switch (port.state) {
      case EvtchnStat.interdomain:
        if (port.backend !== undefined) port.backend.onGuestSend();
        else this.setPending(port.remotePort);
        return 0;
      case EvtchnStat.ipi:
        this.setPending(p);
        return 0;
      case EvtchnStat.unbound:
        return 0; // Xen drops it silently.
      default:
        return err('EINVAL');
    }
  }

  status(dom: number, p: number): PortStatus | number {
    if (!this.isSelf(dom)) return this.otherDomainError(dom);
    if (!this.isValid(p)) return err('EINVAL');
    const port = this.ports[p]!;
    return {
      status: port.state,
      vcpu: port.vcpu,
      dom: port.remoteDom,
      port: port.remotePort,
      virq: port.virq,
    };
  }

  bindVcpu(p: number, vcpu: number): number {
    // Xen checks the vCPU before the port.
    if (!this.validVcpu(vcpu)) return err('ENOENT');
    if (!this.isValid(p)) return err('EINVAL');
    const port = this.ports[p]!;
    switch (port.state) {
      case EvtchnStat.virq:
        if (PER_VCPU_VIRQS.has(port.virq)) return err('EINVAL');
        break;
      case EvtchnStat.unbound:
      case EvtchnStat.interdomain:
        break;
      default:
        return err('EINVAL');
    }
    port.vcpu = vcpu;
    this.publish(p);
    return 0;
  }

  /** EVTCHNOP_unmask, the 2-level way: re-raise the upcall if the port was pending. */
  unmask(p: number): number {
    if (!this.isValid(p)) return err('EINVAL');
    const si = this.delivery.sharedInfoAddr();
    const vcpu = this.ports[p]!.vcpu;
    if (this.bits.testAndClearMask(si, p) && this.bits.isPending(si, p)) {
      const vi = this.delivery.vcpuInfoAddr(vcpu);
      if (!this.bits.testAndSetSelector(vi, p)) this.markEventsPending(vcpu);
    }
    return 0;
  }

  /** EVTCHNOP_reset: close every port. */
  reset(dom: number): number {
    if (!this.isSelf(dom)) return this.otherDomainError(dom);
    for (let p = 1; p < this.nrPorts; p++) if (this.ports[p]!.state !== EvtchnStat.closed) this.close(p);
    for (const hostPort of [...this.offered.keys()]) this.offered.delete(hostPort);
    return 0;
  }

  // ---- delivery -----------------------------------------------------------

  /** Xen's evtchn_2l_set_pending. */
  setPending(p: number): void {
    const si = this.delivery.sharedInfoAddr();
    if (this.bits.testAndSetPending(si, p)) return;
    const vcpu = this.ports[p]!.vcpu;
    if (!this.bits.isMasked(si, p)) {
      const vi = this.delivery.vcpuInfoAddr(vcpu);
      if (!this.bits.testAndSetSelector(vi, p)) this.markEventsPending(vcpu);
    }
    this.delivery.portPending(p);
  }

  private markEventsPending(vcpu: number): void {
    const vi = this.delivery.vcpuInfoAddr(vcpu);
    if (this.bits.testAndSetUpcallPending(vi)) return;
    this.delivery.kick(vcpu);
  }

  /**
   * Raise a VIRQ (a no-op when the guest has not bound it): a per-vCPU one
   * on `vcpu`, a global one wherever its port notifies, whatever `vcpu` says.
   */
  sendVirq(virq: number, vcpu: number): void {
    const p = this.virqPorts[virq]?.[this.virqSlot(virq, vcpu)] ?? 0;
    if (p !== 0) this.setPending(p);
  }

  isPending(p: number): boolean {
    return this.isValid(p) && this.bits.isPending(this.delivery.sharedInfoAddr(), p);
  }

  // ---- emu's port table ------------------------------------------------------

  /**
   * Publish the port table to emu at guest-physical `addr` (nrPorts u32
   * entries, see EvtchnShadow in src/abi/emu-port.ts), so emu can deliver
   * sends and unmasks that stay on the current vCPU without a host exit.
   * The caller checked the area is emu's memory.
   */
  publishTo(addr: number): void {
    this.shadowAddr = addr;
    for (let p = 0; p < this.nrPorts; p++) this.publish(p);
  }

  private publish(p: number): void {
    if (this.shadowAddr === undefined) return;
    const port = this.ports[p]!;
    let local = 0;
    if (port.state === EvtchnStat.ipi) local = p;
    else if (port.state === EvtchnStat.interdomain && port.backend === undefined && port.remoteDom === this.domid) local = port.remotePort;
    const open = port.state !== EvtchnStat.closed ? EvtchnShadow.OPEN : 0;
    this.mem.write32(this.shadowAddr + 4 * p, (open | ((port.vcpu & 0xff) << EvtchnShadow.VCPU_SHIFT) | local) >>> 0);
  }

  // ---- the host's side ----------------------------------------------------

  /**
   * Connect a backend to a new guest port (what xl does for the console and
   * xenstore channels before the guest starts). Returns the guest's port.
   */
  connectBackend(endpoint: BackendEndpoint): PortOrError {
    const p = this.allocPort();
    if (p < 0) return p;
    const port = this.ports[p]!;
    port.state = EvtchnStat.interdomain;
    port.remoteDom = HOST_DOMID;
    port.remotePort = this.nextHostPort++;
    port.backend = endpoint;
    this.publish(p);
    return p;
  }

  /** Offer a host port the guest binds with bind_interdomain(0, port). */
  offerToGuest(endpoint: BackendEndpoint): number {
    const hostPort = this.nextHostPort++;
    this.offered.set(hostPort, endpoint);
    return hostPort;
  }

  /**
   * A backend binds to a port the guest allocated with alloc_unbound(remote
   * dom 0) (a frontend's channel). -EINVAL when it is no such port.
   */
  bindBackendToGuestPort(p: number, endpoint: BackendEndpoint): number {
    if (!this.isValid(p)) return err('EINVAL');
    const port = this.ports[p]!;
    if (port.state !== EvtchnStat.unbound || port.remoteDom !== HOST_DOMID) return err('EINVAL');
    port.state = EvtchnStat.interdomain;
    port.remotePort = this.nextHostPort++;
    port.backend = endpoint;
    this.publish(p);
    return 0;
  }

  /** A backend notifies the guest over its channel; false if the channel is no longer this backend's. */
  notifyFromBackend(p: number, endpoint: BackendEndpoint): boolean {
    if (!this.isValid(p)) return false;
    const port = this.ports[p]!;
    if (port.state !== EvtchnStat.interdomain || port.backend !== endpoint) return false;
    this.setPending(p);
    return true;
  }
}
