/**
 * A guest-side xenstore client for tests: writes requests into the store
 * ring page as a guest's xenbus driver does, kicks the store event channel
 * through the emu port, and reads replies and watch events back.
 */
import { EmuOp } from '../../src/abi/emu-port.js';
import { EvtchnOp, evtchnPortOnly } from '../../src/abi/xen/event-channel.js';
import { XsType, xenstoreDomainInterface } from '../../src/abi/xen/xs-wire.js';
import { layout } from '../../src/abi/layout.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { STORE_MFN, type Harness } from './emu-guest.js';

export interface XsReply {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
  /** The payload as text. */
  text: string;
  /** The payload's NUL-separated strings (trailing empty one dropped). */
  strings: string[];
}

export class XsClient {
  readonly base = STORE_MFN * PAGE_SIZE;
  private readonly l = layout(xenstoreDomainInterface, 'x86_64');
  private reqId = 1;
  /** Watch events received while waiting for replies. */
  readonly events: XsReply[] = [];

  constructor(private readonly h: Harness) {}

  off(f: string): number {
    return this.base + this.l.offset(f);
  }

  /** Put raw bytes on the request ring (no notification); false if the ring had no room for all. */
  writeRaw(bytes: Uint8Array): boolean {
    const mem = this.h.mem;
    const cons = mem.read32(this.off('req_cons'));
    let prod = mem.read32(this.off('req_prod'));
    let i = 0;
    for (; i < bytes.length && ((prod - cons) >>> 0) < 1024; i++) {
      mem.write8(this.off('req') + (prod & 1023), bytes[i]!);
      prod = (prod + 1) >>> 0;
    }
    mem.write32(this.off('req_prod'), prod);
    return i === bytes.length;
  }

  /** Write a whole message, kicking the host whenever the ring fills (as xenbus does). */
  send(bytes: Uint8Array): void {
    let rest = bytes;
    for (let round = 0; round < 64; round++) {
      const cons = this.h.mem.read32(this.off('req_cons'));
      const prod = this.h.mem.read32(this.off('req_prod'));
      const room = 1024 - ((prod - cons) >>> 0);
      const n = Math.min(room, rest.length);
      this.writeRaw(rest.subarray(0, n));
      rest = rest.subarray(n);
      this.kick();
      if (rest.length === 0) return;
    }
    throw new Error('the host stopped consuming requests');
  }

  kick(): void {
    this.h.call(EmuOp.event_channel_op, [EvtchnOp.send], () => this.h.writeStruct(evtchnPortOnly, { port: this.h.domain.storePort }));
  }

  static encode(type: number, reqId: number, txId: number, payload: Uint8Array): Uint8Array {
    const out = new Uint8Array(16 + payload.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, type, true);
    dv.setUint32(4, reqId, true);
    dv.setUint32(8, txId, true);
    dv.setUint32(12, payload.length, true);
    out.set(payload, 16);
    return out;
  }

  /** Reply bytes taken from the ring but not yet a whole message. */
  private pending: number[] = [];

  /** Read every complete message from the response ring. */
  readAll(): XsReply[] {
    const mem = this.h.mem;
    const msgs: XsReply[] = [];
    let cons = mem.read32(this.off('rsp_cons'));
    const prod = mem.read32(this.off('rsp_prod'));
    const bytes = this.pending;
    if (((prod - cons) >>> 0) > 1024) {
      // Indices a fuzzer scrambled: a real driver would reset; drop what is there.
      mem.write32(this.off('rsp_cons'), prod);
      this.pending = [];
      return msgs;
    }
    while (cons !== prod) {
      bytes.push(mem.read8(this.off('rsp') + (cons & 1023)));
      cons = (cons + 1) >>> 0;
    }
    mem.write32(this.off('rsp_cons'), cons);
    let i = 0;
    while (i + 16 <= bytes.length) {
      const dv = new DataView(Uint8Array.from(bytes.slice(i, i + 16)).buffer);
      const len = dv.getUint32(12, true);
      if (i + 16 + len > bytes.length) break;
      const payload = Uint8Array.from(bytes.slice(i + 16, i + 16 + len));
      const text = Buffer.from(payload).toString('latin1');
      const strings = text.split('\0');
      if (strings.length > 0 && strings[strings.length - 1] === '') strings.pop();
      msgs.push({ type: dv.getUint32(0, true), reqId: dv.getUint32(4, true), txId: dv.getUint32(8, true), payload, text, strings });
      i += 16 + len;
    }
    this.pending = bytes.slice(i);
    return msgs;
  }

  /** Send one request and return its reply (watch events go to `events`). */
  request(type: number, payload: string | Uint8Array, txId = 0): XsReply {
    const id = this.reqId++;
    const p = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    this.send(XsClient.encode(type, id, txId, p));
    let reply: XsReply | undefined;
    for (let round = 0; round < 16 && reply === undefined; round++) {
      for (const m of this.readAll()) {
        if (m.type === XsType.WATCH_EVENT) this.events.push(m);
        else if (m.reqId === id) reply = m;
        else throw new Error(`unexpected reply ${m.reqId}`);
      }
      if (reply === undefined) this.kick(); // replies that did not fit: tell the host we consumed
    }
    if (reply === undefined) throw new Error('no reply');
    return reply;
  }

  /** Error name of a reply, or undefined when it succeeded. */
  static error(r: XsReply): string | undefined {
    return r.type === XsType.ERROR ? r.strings[0] : undefined;
  }
}
