/**
 * A guest's xenstore connection over its store ring page
 * (xenstore_domain_interface): requests come in on `req`, replies and watch
 * events go out on `rsp`, each ring a free-running u32 producer/consumer pair
 * over 1024 bytes. The guest writes the indices, so they are checked on
 * every pass: a producer more than a ring ahead of its consumer, or a
 * message longer than XENSTORE_PAYLOAD_MAX, is a protocol error that stops
 * the connection with `error` set (xenstored does the same), never an
 * exception in the host.
 */
import type { GuestArch } from '../../abi/layout.js';
import {
  XENSTORE_PAYLOAD_MAX,
  XENSTORE_RING_SIZE,
  XENSTORE_SERVER_FEATURE_ERROR,
  XENSTORE_SERVER_FEATURE_RECONNECTION,
  XSD_SOCKMSG_SIZE,
  XenstoreConnection,
  XenstoreError,
  xenstoreDomainInterface,
} from '../../abi/xen/xs-wire.js';
import type { Logger } from '../../log/logger.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { layoutOf } from '../common/struct-view.js';
import type { BackendEndpoint } from '../evtchn/event-channels.js';
import type { XsConnection, XsMessage, Xenstored } from './xenstored.js';

const MASK = XENSTORE_RING_SIZE - 1;
/**
 * Reply bytes the host holds for a guest that does not read its replies.
 * Past this it stops taking requests (the guest's request ring fills up),
 * so a guest cannot make the host queue without bound.
 */
export const MAX_REPLY_BACKLOG = 64 * 1024;

export class XenstoreRing implements BackendEndpoint {
  readonly name = 'xenstore';
  private readonly off: Record<'req' | 'rsp' | 'reqCons' | 'reqProd' | 'rspCons' | 'rspProd' | 'features' | 'connection' | 'error', number>;
  private conn: XsConnection;
  /** The request being assembled: header and payload. */
  private readonly partial = new Uint8Array(XSD_SOCKMSG_SIZE + XENSTORE_PAYLOAD_MAX);
  private partialLen = 0;
  /** Encoded replies waiting for room in the rsp ring; the head is sent from outHead. */
  private out: Uint8Array[] = [];
  private outHead = 0;
  private outBytes = 0;
  private failed = false;
  private readonly size: number;
  notifyGuest: () => void = () => {};
  /** Requests served, for tests and statistics. */
  requests = 0;

  constructor(
    private readonly mem: GuestMemory,
    arch: GuestArch,
    private readonly ringAddr: number,
    private readonly store: Xenstored,
    private readonly domid: number,
    private readonly log: Logger,
  ) {
    const l = layoutOf(xenstoreDomainInterface, arch);
    mem.check(ringAddr, l.size);
    this.size = l.size;
    this.off = {
      req: l.offset('req'),
      rsp: l.offset('rsp'),
      reqCons: l.offset('req_cons'),
      reqProd: l.offset('req_prod'),
      rspCons: l.offset('rsp_cons'),
      rspProd: l.offset('rsp_prod'),
      features: l.offset('server_features'),
      connection: l.offset('connection'),
      error: l.offset('error'),
    };
    this.conn = store.connect(domid, (m) => this.queue(m));
  }

  /** Fresh ring (domain build): zero indices, advertise our features. */
  initRing(): void {
    this.mem.fill(this.ringAddr, this.size, 0);
    this.mem.write32(this.ringAddr + this.off.features, XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
    this.mem.write32(this.ringAddr + this.off.connection, XenstoreConnection.CONNECTED);
  }

  get broken(): boolean {
    return this.failed;
  }

  onGuestSend(): void {
    this.service();
  }

  private r32(o: number): number {
    return this.mem.read32(this.ringAddr + o);
  }
  private w32(o: number, v: number): void {
    this.mem.write32(this.ringAddr + o, v >>> 0);
  }

  private fail(error: number, why: string): void {
    this.failed = true;
    this.w32(this.off.error, error);
    this.log.warn({ domid: this.domid }, `xenstore ring: ${why}; connection stopped`);
  }

  /** The guest asked to reconnect: forget everything about the old connection. */
  private reconnect(): void {
    this.store.resetConnection(this.conn);
    this.store.disconnect(this.conn);
    this.conn = this.store.connect(this.domid, (m) => this.queue(m));
    this.partialLen = 0;
    this.out = [];
    this.outHead = 0;
    this.outBytes = 0;
    this.failed = false;
    for (const o of [this.off.reqCons, this.off.reqProd, this.off.rspCons, this.off.rspProd, this.off.error]) this.w32(o, 0);
    this.w32(this.off.connection, XenstoreConnection.CONNECTED);
  }

  /** Take requests, serve them, push replies; notify the guest if anything moved. */
  service(): void {
    let moved = false;
    if (this.r32(this.off.connection) === XenstoreConnection.RECONNECT) {
      this.reconnect();
      moved = true;
    }
    if (this.failed) {
      if (moved) this.notifyGuest();
      return;
    }
    moved = this.readRequests() || moved;
    moved = this.flush() || moved;
    if (moved) this.notifyGuest();
  }

  private readRequests(): boolean {
    if (this.outBytes > MAX_REPLY_BACKLOG) return false;
    const cons = this.r32(this.off.reqCons);
    const prod = this.r32(this.off.reqProd);
    const avail = (prod - cons) >>> 0;
    if (avail === 0) return false;
    if (avail > XENSTORE_RING_SIZE) {
      this.fail(XenstoreError.RINGIDX, `request ring indices inconsistent (cons ${cons}, prod ${prod})`);
      return false;
    }
    const ring = this.ringAddr + this.off.req;
    let taken = 0;
    while (taken < avail && this.outBytes <= MAX_REPLY_BACKLOG) {
      // Take what the message still needs: the rest of the header, then the rest of the payload.
      const want = this.partialLen < XSD_SOCKMSG_SIZE ? XSD_SOCKMSG_SIZE - this.partialLen : XSD_SOCKMSG_SIZE + this.payloadLen() - this.partialLen;
      const n = Math.min(want, avail - taken);
      for (let i = 0; i < n; i++) this.partial[this.partialLen++] = this.mem.read8(ring + ((cons + taken + i) & MASK));
      taken += n;
      if (!this.takeMessage()) return true;
    }
    this.w32(this.off.reqCons, cons + taken);
    return true;
  }

  private payloadLen(): number {
    const p = this.partial;
    return (p[12]! | (p[13]! << 8) | (p[14]! << 16) | (p[15]! << 24)) >>> 0;
  }

  /** Serve the assembled message if complete; false on a protocol error. */
  private takeMessage(): boolean {
    if (this.partialLen < XSD_SOCKMSG_SIZE) return true;
    const len = this.payloadLen();
    if (len > XENSTORE_PAYLOAD_MAX) {
      this.fail(XenstoreError.PROTO, `message payload of ${len} bytes`);
      return false;
    }
    if (this.partialLen < XSD_SOCKMSG_SIZE + len) return true;
    const dv = new DataView(this.partial.buffer, 0, XSD_SOCKMSG_SIZE);
    const msg: XsMessage = {
      type: dv.getUint32(0, true),
      reqId: dv.getUint32(4, true),
      txId: dv.getUint32(8, true),
      payload: this.partial.slice(XSD_SOCKMSG_SIZE, XSD_SOCKMSG_SIZE + len),
    };
    this.partialLen = 0;
    this.requests++;
    this.store.handle(this.conn, msg);
    return true;
  }

  private queue(m: XsMessage): void {
    const bytes = new Uint8Array(XSD_SOCKMSG_SIZE + m.payload.length);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, m.type, true);
    dv.setUint32(4, m.reqId, true);
    dv.setUint32(8, m.txId, true);
    dv.setUint32(12, m.payload.length, true);
    bytes.set(m.payload, XSD_SOCKMSG_SIZE);
    this.out.push(bytes);
    this.outBytes += bytes.length;
  }

  /** Pending reply bytes still waiting for room in the ring. */
  get backlog(): number {
    return this.outBytes;
  }

  private flush(): boolean {
    if (this.outBytes === 0) return false;
    const cons = this.r32(this.off.rspCons);
    const prod = this.r32(this.off.rspProd);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) {
      this.fail(XenstoreError.RINGIDX, `reply ring indices inconsistent (cons ${cons}, prod ${prod})`);
      return false;
    }
    let room = XENSTORE_RING_SIZE - used;
    if (room === 0) return false;
    const ring = this.ringAddr + this.off.rsp;
    let p = prod;
    while (room > 0 && this.out.length > 0) {
      const head = this.out[0]!;
      const n = Math.min(room, head.length - this.outHead);
      for (let i = 0; i < n; i++) this.mem.write8(ring + ((p + i) & MASK), head[this.outHead + i]!);
      p = (p + n) >>> 0;
      room -= n;
      this.outHead += n;
      this.outBytes -= n;
      if (this.outHead === head.length) {
        this.out.shift();
        this.outHead = 0;
      }
    }
    this.w32(this.off.rspProd, p);
    return true;
  }
}
