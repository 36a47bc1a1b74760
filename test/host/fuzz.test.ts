/**
 * The guest is hostile: random xenstore traffic, random ring indices and
 * random emu requests must never throw out of the host, and must leave the
 * store's tree consistent and the host able to serve a well-behaved client.
 * Seeded, so a failure reproduces.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EmuOp, EvtchnShadow } from '../../src/abi/emu-port.js';
import * as ev from '../../src/abi/xen/event-channel.js';
import { DomId, EvtchnOp, EvtchnStat } from '../../src/abi/xen/event-channel.js';
import { XenstoreConnection, XenstoreError, XsType } from '../../src/abi/xen/xs-wire.js';
import { xenconsInterface } from '../../src/abi/xen/console.js';
import { layout } from '../../src/abi/layout.js';
import { childPath, parentOf, baseName } from '../../src/host/xenstore/path.js';
import type { Xenstored } from '../../src/host/xenstore/xenstored.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { CONSOLE_MFN, EMU_MFN, makeHarness, type Harness } from '../helpers/emu-guest.js';
import { XsClient } from '../helpers/xs-client.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['data', 'a', 'b', 'c', 'device', 'vif', '0', 'name', 'control', 'shutdown', '..', '@x', 'x y', '', 'memory', 'target'];

function checkTree(xs: Xenstored): void {
  const t = xs.tree;
  const owned = new Map<number, number>();
  let n = 0;
  for (const p of t.paths()) {
    n++;
    const node = t.get(p)!;
    owned.set(node.perms[0]?.id ?? 0, (owned.get(node.perms[0]?.id ?? 0) ?? 0) + 1);
    expect(new Set(node.children).size, p).toBe(node.children.length);
    for (const c of node.children) expect(t.get(childPath(p, c)), `${p} lists missing ${c}`).toBeDefined();
    if (p !== '/') expect(t.get(parentOf(p))?.children, `${p} not listed by its parent`).toContain(baseName(p));
  }
  expect(n).toBe(t.size);
  for (const [d, c] of owned) expect(t.ownedBy(d), `owned by ${d}`).toBe(c);
}

function randomPath(r: () => number): string {
  const n = 1 + Math.floor(r() * 4);
  const parts = Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]!);
  const abs = r() < 0.3;
  return (abs ? '/local/domain/1/' : '') + parts.join('/');
}

function randomMessage(r: () => number, txIds: number[]): Uint8Array {
  const type = r() < 0.9 ? Math.floor(r() * 24) : Math.floor(r() * 0xffffffff);
  const tx = r() < 0.3 && txIds.length > 0 ? txIds[Math.floor(r() * txIds.length)]! : r() < 0.05 ? Math.floor(r() * 1000) : 0;
  let payload: string;
  switch (type) {
    case XsType.WRITE:
      payload = `${randomPath(r)}\0${'v'.repeat(Math.floor(r() * 40))}`;
      break;
    case XsType.WATCH:
    case XsType.UNWATCH:
      payload = `${randomPath(r)}\0tok${Math.floor(r() * 3)}\0`;
      break;
    case XsType.SET_PERMS:
      payload = `${randomPath(r)}\0${['n1', 'r0', 'b1', 'w2', 'q9', 'n0'][Math.floor(r() * 6)]}\0`;
      break;
    case XsType.TRANSACTION_END:
      payload = r() < 0.5 ? 'T\0' : 'F\0';
      break;
    case XsType.DIRECTORY_PART:
      payload = `${randomPath(r)}\0${Math.floor(r() * 50)}\0`;
      break;
    default:
      payload = r() < 0.8 ? `${randomPath(r)}\0` : Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256))).toString('latin1');
  }
  return XsClient.encode(type, Math.floor(r() * 100), tx, Buffer.from(payload, 'latin1'));
}

describe.each(['x86_64', 'x86_32'] as const)('hostile guest fuzzing (%s)', (arch) => {
  it.each([1, 2, 3])('random xenstore messages and ring indices (seed %d)', (seed) => {
    const r = rng(seed);
    const h = makeHarness(arch);
    const c = new XsClient(h);
    const txIds: number[] = [];
    for (let step = 0; step < 1500; step++) {
      const what = r();
      if (what < 0.6) {
        c.writeRaw(randomMessage(r, txIds));
      } else if (what < 0.7) {
        c.writeRaw(Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
      } else if (what < 0.78) {
        const field = ['req_cons', 'req_prod', 'rsp_cons', 'rsp_prod'][Math.floor(r() * 4)]!;
        h.mem.write32(c.off(field), r() < 0.5 ? Math.floor(r() * 0xffffffff) : h.mem.read32(c.off(field)) + Math.floor(r() * 2048) - 1024);
      } else if (what < 0.82) {
        h.mem.write32(c.off('connection'), XenstoreConnection.RECONNECT);
      } else if (what < 0.9) {
        h.domain.tick();
      }
      c.kick();
      for (const m of c.readAll()) if (m.type === XsType.TRANSACTION_START) txIds.push(Number(m.strings[0]));
      expect(h.domain.ended).toBe(false);
      if (step % 100 === 0) checkTree(h.domain.xenstore);
    }
    checkTree(h.domain.xenstore);
    // The fuzzer got requests through, not only garbage.
    expect(h.domain.store.requests).toBeGreaterThan(100);
    // A guest that resets its connection is served correctly again.
    h.mem.write32(c.off('connection'), XenstoreConnection.RECONNECT);
    c.kick();
    c.readAll();
    expect(c.request(XsType.READ, 'domid\0').text).toBe('1');
    expect(c.request(XsType.WRITE, 'data/after-fuzz\0ok').type).toBe(XsType.WRITE);
    expect(h.domain.xenstore.hostRead('/local/domain/1/data/after-fuzz')).toBe('ok');
  });

  it('random console ring indices never stop the host or lose its consistency', () => {
    const r = rng(99);
    const h = makeHarness(arch);
    const l = layout(xenconsInterface, arch);
    const base = CONSOLE_MFN * PAGE_SIZE;
    for (let i = 0; i < 2000; i++) {
      const field = ['in_cons', 'in_prod', 'out_cons', 'out_prod'][Math.floor(r() * 4)]!;
      h.mem.write32(base + l.offset(field), Math.floor(r() * 0xffffffff));
      if (r() < 0.3) h.domain.console.pushInput(Uint8Array.of(65 + Math.floor(r() * 26)));
      h.domain.tick();
      const used = (h.mem.read32(base + l.offset('out_prod')) - h.mem.read32(base + l.offset('out_cons'))) >>> 0;
      expect(used === 0 || used > 2048).toBe(true); // a sane ring was drained completely
    }
    expect(h.domain.ended).toBe(false);
  });

  it.each([7, 8])('random emu requests get error codes, never host exceptions (seed %d)', (seed) => {
    const r = rng(seed);
    const ops = [EmuOp.event_channel_op, EmuOp.sched_op, EmuOp.set_timer_op, EmuOp.vcpu_op, EmuOp.grant_table_op, EmuOp.memory_op, EmuOp.console_io, EmuOp.BOOT_INFO, EmuOp.LOG, 0, 77, 0xffffffff];
    let h: Harness = makeHarness(arch);
    for (let i = 0; i < 3000; i++) {
      if (h.domain.ended) h = makeHarness(arch); // shutdown is a legitimate random outcome
      const op = ops[Math.floor(r() * ops.length)]!;
      const args = Array.from({ length: 6 }, () => (r() < 0.7 ? BigInt(Math.floor(r() * 16)) : BigInt.asUintN(64, BigInt(Math.floor(r() * 2 ** 52)) << 12n)));
      const ret = h.call(op, args, (d) => {
        for (let k = 0; k < 128; k += 4) h.mem.write32(d + k, r() < 0.5 ? Math.floor(r() * 8) : Math.floor(r() * 0xffffffff));
      }, r() < 0.8 ? 0 : 1);
      expect(typeof ret).toBe('bigint');
      if (r() < 0.1) {
        h.clock.advanceNs(BigInt(Math.floor(r() * 1e9)));
        h.domain.tick();
      }
      // Blocked vCPUs are woken by the run loop's timers; here just unblock to keep going.
      for (const v of h.domain.vcpus) if (v.blocked) h.domain.wake(v);
      expect(h.domain.end?.description ?? '').not.toMatch(/internal error/);
    }
  });

  it.each([11, 12, 13])('random event-channel operations keep the port table consistent (seed %d)', (seed) => {
    const r = rng(seed);
    const h = makeHarness(arch);
    const nr = h.domain.evtchn.nrPorts;
    const tableAddr = (EMU_MFN + 8) * PAGE_SIZE;
    expect(h.call(EmuOp.EVTCHN_TABLE, [tableAddr])).toBe(0n);
    const known: number[] = [h.domain.consolePort, h.domain.storePort];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const somePort = (): number => (r() < 0.75 && known.length > 0 ? pick(known) : r() < 0.5 ? Math.floor(r() * 64) : Math.floor(r() * 0xffffffff));
    const op = (cmd: number, decl: Parameters<Harness['writeStruct']>[0], values: Record<string, number>): bigint =>
      h.call(EmuOp.event_channel_op, [cmd], () => h.writeStruct(decl, values));
    const doms = [DomId.SELF, 0, 1, 5, 0xffff];
    for (let step = 0; step < 2000; step++) {
      const what = Math.floor(r() * 14);
      let ret = 0n;
      switch (what) {
        case 0:
          ret = op(EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: pick(doms), remote_dom: pick([DomId.SELF, 0, 1, 42]) });
          if (ret === 0n) known.push(Number(h.readField(ev.evtchnAllocUnbound, 'port', 4)));
          break;
        case 1:
          ret = op(EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: pick([DomId.SELF, 0, 1, 7]), remote_port: somePort() });
          if (ret === 0n) known.push(Number(h.readField(ev.evtchnBindInterdomain, 'local_port', 4)));
          break;
        case 2:
          ret = op(EvtchnOp.bind_virq, ev.evtchnBindVirq, { virq: Math.floor(r() * 30), vcpu: Math.floor(r() * 4) });
          if (ret === 0n) known.push(Number(h.readField(ev.evtchnBindVirq, 'port', 4)));
          break;
        case 3:
          ret = op(EvtchnOp.bind_ipi, ev.evtchnBindIpi, { vcpu: Math.floor(r() * 4) });
          if (ret === 0n) known.push(Number(h.readField(ev.evtchnBindIpi, 'port', 4)));
          break;
        case 4:
          ret = op(EvtchnOp.close, ev.evtchnPortOnly, { port: somePort() });
          break;
        case 5:
        case 6:
          ret = op(EvtchnOp.send, ev.evtchnPortOnly, { port: somePort() });
          break;
        case 7:
          ret = op(EvtchnOp.unmask, ev.evtchnPortOnly, { port: somePort() });
          break;
        case 8:
          ret = op(EvtchnOp.bind_vcpu, ev.evtchnBindVcpu, { port: somePort(), vcpu: Math.floor(r() * 4) });
          break;
        case 9:
          ret = op(EvtchnOp.status, ev.evtchnStatus, { dom: pick(doms), port: somePort() });
          break;
        case 10:
          if (r() < 0.05) ret = op(EvtchnOp.reset, ev.evtchnReset, { dom: pick(doms) });
          break;
        case 11: {
          // The guest flips mask bits and takes its events, as a kernel does.
          const p = somePort() % nr;
          h.mem.write8(h.si('evtchn_mask') + (p >> 3), h.mem.read8(h.si('evtchn_mask') + (p >> 3)) ^ (1 << (p & 7)));
          if (r() < 0.5) for (const v of [0, 1]) h.mem.write8(h.vi(v, 'evtchn_upcall_pending'), 0);
          break;
        }
        case 12:
          h.domain.evtchn.sendVirq(Math.floor(r() * ev.NR_VIRQS), Math.floor(r() * 2));
          break;
        default:
          h.call(EmuOp.event_channel_op, [Math.floor(r() * 20)], (d) => {
            for (let k = 0; k < 24; k += 4) h.mem.write32(d + k, Math.floor(r() * 0xffffffff));
          });
      }
      expect(ret <= 0n).toBe(true);
      expect(h.domain.ended).toBe(false);
      if (step % 250 === 249) checkPorts(h, tableAddr);
    }
    checkPorts(h, tableAddr);
    // A well-behaved loopback still works afterwards (closing a port first if the fuzzer used them all).
    let ret = op(EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: DomId.SELF, remote_dom: DomId.SELF });
    if (ret !== 0n) {
      op(EvtchnOp.reset, ev.evtchnReset, { dom: DomId.SELF });
      ret = op(EvtchnOp.alloc_unbound, ev.evtchnAllocUnbound, { dom: DomId.SELF, remote_dom: DomId.SELF });
    }
    expect(ret).toBe(0n);
    const a = Number(h.readField(ev.evtchnAllocUnbound, 'port', 4));
    expect(op(EvtchnOp.bind_interdomain, ev.evtchnBindInterdomain, { remote_dom: DomId.SELF, remote_port: a })).toBe(0n);
    const b = Number(h.readField(ev.evtchnBindInterdomain, 'local_port', 4));
    h.mem.fill(h.si('evtchn_pending'), nr / 8, 0);
    expect(op(EvtchnOp.send, ev.evtchnPortOnly, { port: b })).toBe(0n);
    expect(h.domain.evtchn.isPending(a)).toBe(true);
    expect(h.domain.evtchn.isPending(b)).toBe(false);
  });

  it('a broken console ring and a broken store ring are each reported once, and recover', () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const h = makeHarness(arch, { log });
    const l = layout(xenconsInterface, arch);
    const cons = CONSOLE_MFN * PAGE_SIZE;
    const notifyConsole = (): bigint => h.call(EmuOp.event_channel_op, [EvtchnOp.send], () => h.writeStruct(ev.evtchnPortOnly, { port: h.domain.consolePort }));
    // Output indices more than a ring apart: ignored, logged once however often it is poked.
    h.mem.write32(cons + l.offset('out_cons'), 100);
    h.mem.write32(cons + l.offset('out_prod'), 100 + 5000);
    for (let i = 0; i < 20; i++) {
      expect(notifyConsole()).toBe(0n);
      h.domain.tick();
    }
    expect(lines.filter((x) => x.includes('console output ring'))).toHaveLength(1);
    expect(h.consoleText()).toBe('');
    // Repaired: "ok" comes out.
    h.mem.writeBytes(cons + l.offset('out') + (100 & 2047), Uint8Array.from(Buffer.from('ok')));
    h.mem.write32(cons + l.offset('out_prod'), 102);
    expect(notifyConsole()).toBe(0n);
    expect(h.consoleText()).toBe('ok');

    const c = new XsClient(h);
    h.mem.write32(c.off('req_prod'), h.mem.read32(c.off('req_cons')) + 5000);
    for (let i = 0; i < 20; i++) {
      c.kick();
      h.domain.tick();
    }
    expect(lines.filter((x) => x.includes('xenstore ring'))).toHaveLength(1);
    expect(h.mem.read32(c.off('error'))).toBe(XenstoreError.RINGIDX);
    expect(h.domain.store.broken).toBe(true);
    // The guest reconnects and is served again.
    h.mem.write32(c.off('connection'), XenstoreConnection.RECONNECT);
    c.kick();
    expect(h.domain.store.broken).toBe(false);
    expect(h.mem.read32(c.off('error'))).toBe(0);
    expect(c.request(XsType.READ, 'domid\0').text).toBe('1');
    expect(h.domain.ended).toBe(false);
  });
});

/**
 * The event-channel table stays consistent: every port's status answers,
 * a loopback port and its peer name each other, a closed port is neither
 * pending nor open in emu's table, and emu's table agrees with the ports.
 */
function checkPorts(h: Harness, tableAddr: number): void {
  const e = h.domain.evtchn;
  for (let p = 0; p < e.nrPorts; p++) {
    const st = e.status(DomId.SELF, p);
    if (typeof st === 'number') throw new Error(`status of port ${p} failed: ${st}`);
    const shadow = h.mem.read32(tableAddr + 4 * p);
    expect((shadow & EvtchnShadow.OPEN) !== 0, `port ${p} open in emu's table`).toBe(st.status !== EvtchnStat.closed);
    if (st.status === EvtchnStat.closed) {
      expect(e.isPending(p), `closed port ${p} pending`).toBe(false);
      continue;
    }
    expect((shadow >>> EvtchnShadow.VCPU_SHIFT) & 0xff, `port ${p}'s vCPU in emu's table`).toBe(st.vcpu);
    if (st.status === EvtchnStat.interdomain && st.dom === h.domain.domid) {
      const peer = e.status(DomId.SELF, st.port);
      if (typeof peer === 'number') throw new Error(`status of peer ${st.port} failed`);
      expect(peer.status, `peer of ${p}`).toBe(EvtchnStat.interdomain);
      expect(peer.port, `peer of ${p} points back`).toBe(p);
    }
  }
}
