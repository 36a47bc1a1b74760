/**
 * The guest is hostile: random xenstore traffic, random ring indices and
 * random emu requests must never throw out of the host, and must leave the
 * store's tree consistent and the host able to serve a well-behaved client.
 * Seeded, so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { EmuOp } from '../../src/abi/emu-port.js';
import { XenstoreConnection, XsType } from '../../src/abi/xen/xs-wire.js';
import { xenconsInterface } from '../../src/abi/xen/console.js';
import { layout } from '../../src/abi/layout.js';
import { childPath, parentOf, baseName } from '../../src/host/xenstore/path.js';
import type { Xenstored } from '../../src/host/xenstore/xenstored.js';
import { PAGE_SIZE } from '../../src/memory/guest-memory.js';
import { CONSOLE_MFN, makeHarness, type Harness } from '../helpers/emu-guest.js';
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
});
