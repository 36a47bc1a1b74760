import { describe, expect, it } from 'vitest';
import { XENSTORE_PAYLOAD_MAX, XenstoreConnection, XenstoreError, XsType } from '../../src/abi/xen/xs-wire.js';
import { pino } from 'pino';
import { DEFAULT_QUOTAS } from '../../src/host/xenstore/store-ops.js';
import { directoryPartReply, Xenstored, type XsMessage } from '../../src/host/xenstore/xenstored.js';
import { formatXenstoreTree } from '../../src/host/xenstore/dump.js';
import { MAX_REPLY_BACKLOG } from '../../src/host/xenstore/ring-connection.js';
import { makeHarness } from '../helpers/emu-guest.js';
import { XsClient } from '../helpers/xs-client.js';

const T = XsType;
function setup(arch: 'x86_64' | 'x86_32' = 'x86_64'): { c: XsClient; h: ReturnType<typeof makeHarness> } {
  const h = makeHarness(arch);
  return { c: new XsClient(h), h };
}
const ok = (r: { type: number; text: string }, type: number): void => {
  expect(r.type).toBe(type);
};
const errOf = XsClient.error;

describe.each(['x86_64', 'x86_32'] as const)('xenstore over the ring (%s)', (arch) => {
  it('serves the initial tree xl would have made', () => {
    const { c, h } = setup(arch);
    expect(c.request(T.READ, '/local/domain/1/name\0').text).toBe('xenner-guest');
    expect(c.request(T.READ, 'domid\0').text).toBe('1');
    expect(c.request(T.READ, 'memory/target\0').text).toBe(String(768 * 4));
    expect(c.request(T.READ, 'cpu/1/availability\0').text).toBe('online');
    expect(c.request(T.READ, 'console/port\0').text).toBe(String(h.domain.consolePort));
    expect(c.request(T.READ, 'store/port\0').text).toBe(String(h.domain.storePort));
    // The ports the pv machine writes into start_info: the console 1, the store 2.
    expect([h.domain.consolePort, h.domain.storePort]).toEqual([1, 2]);
    expect(c.request(T.READ, 'control/platform-feature-xs_reset_watches\0').text).toBe('1');
    expect(c.request(T.GET_DOMAIN_PATH, '1\0').strings).toEqual(['/local/domain/1']);
    expect(errOf(c.request(T.GET_DOMAIN_PATH, 'x\0'))).toBe('EINVAL');
    expect(c.request(T.DIRECTORY, '/local/domain/0/backend\0').strings).toEqual(['console', 'vbd', 'vif']);
    const dirs = c.request(T.DIRECTORY, "/local/domain/1\0").strings;
    for (const d of ['name', 'domid', 'vm', 'cpu', 'memory', 'store', 'console', 'control', 'device', 'data']) expect(dirs).toContain(d);
    // The guest may not read the /vm tree or write what xl owns.
    expect(errOf(c.request(T.DIRECTORY, '/vm\0'))).toBe('EACCES');
    expect(errOf(c.request(T.WRITE, 'name\0evil'))).toBe('EACCES');
    expect(formatXenstoreTree(h.domain.xenstore)).toContain('availability = "online"');
  });

  it('write, read, mkdir, directory and rm with xenstored semantics', () => {
    const { c } = setup(arch);
    ok(c.request(T.WRITE, 'data/a/b/c\0hello'), T.WRITE);
    expect(c.request(T.READ, 'data/a/b/c\0').text).toBe('hello');
    expect(c.request(T.READ, 'data/a/b\0').text).toBe('');
    expect(c.request(T.DIRECTORY, 'data/a\0').strings).toEqual(['b']);
    ok(c.request(T.MKDIR, 'data/a\0'), T.MKDIR); // existing: fine
    expect(errOf(c.request(T.MKDIR, 'name\0'))).toBe('EACCES'); // existing, but the toolstack's
    ok(c.request(T.MKDIR, 'data/d\0'), T.MKDIR);
    ok(c.request(T.WRITE, 'data/d/name@with-at_sign\0v'), T.WRITE); // '@' is a valid name character
    expect(c.request(T.DIRECTORY, 'data\0').strings).toEqual(['a', 'd']);
    expect(c.request(T.DIRECTORY, 'data/d\0').strings).toEqual(['name@with-at_sign']);
    // Values are bytes, NULs included.
    ok(c.request(T.WRITE, Uint8Array.from([...Buffer.from('data/bin\0'), 0, 1, 255])), T.WRITE);
    expect([...c.request(T.READ, 'data/bin\0').payload]).toEqual([0, 1, 255]);
    ok(c.request(T.RM, 'data/a\0'), T.RM);
    expect(errOf(c.request(T.READ, 'data/a/b/c\0'))).toBe('ENOENT');
    ok(c.request(T.RM, 'data/a\0'), T.RM); // gone, parent exists: fine
    expect(errOf(c.request(T.RM, 'data/nope/x\0'))).toBe('ENOENT');
    expect(errOf(c.request(T.RM, '/\0'))).toBe('EINVAL');
    expect(errOf(c.request(T.READ, 'data/missing\0'))).toBe('ENOENT');
  });

  it('rejects malformed paths and requests', () => {
    const { c } = setup(arch);
    for (const p of ['data//x', 'data/x/', '/local/domain/1/data/x y', 'data/é', '', 'a'.repeat(2049), '@releaseDomain']) {
      expect(errOf(c.request(T.READ, `${p}\0`)), p).toBe('EINVAL');
    }
    expect(errOf(c.request(T.READ, 'data\0extra\0'))).toBe('EINVAL');
    // xenstored's path-length quota for guests: at most 2048 bytes below /local/domain/<n>/, or in all elsewhere.
    expect(errOf(c.request(T.READ, `/local/domain/1/${'a'.repeat(2048)}\0`))).toBe('ENOENT');
    expect(errOf(c.request(T.READ, `/local/domain/1/${'a'.repeat(2049)}\0`))).toBe('EINVAL');
    expect(errOf(c.request(T.READ, `/local/domain/7/${'a'.repeat(2049)}\0`))).toBe('EINVAL');
    expect(errOf(c.request(T.READ, `/${'a'.repeat(2047)}\0`))).toBe('ENOENT');
    expect(errOf(c.request(T.READ, `/${'a'.repeat(2100)}\0`))).toBe('EINVAL');
    expect(errOf(c.request(T.WRITE, 'data/no-nul'))).toBe('EINVAL');
    expect(errOf(c.request(T.INTRODUCE, '1\0'))).toBe('EACCES');
    expect(errOf(c.request(T.RELEASE, '1\0'))).toBe('EACCES');
    expect(errOf(c.request(T.SET_TARGET, '1\0'))).toBe('EACCES');
    expect(errOf(c.request(T.CONTROL, 'x\0'))).toBe('EACCES');
    expect(errOf(c.request(T.WATCH_EVENT, 'x\0'))).toBe('EINVAL');
    expect(errOf(c.request(999, ''))).toBe('EINVAL');
    expect(errOf(c.request(T.READ, 'data\0', 12345))).toBe('ENOENT'); // no such transaction
  });

  it('permissions: get, set by the owner, no giving nodes away', () => {
    const { c } = setup(arch);
    ok(c.request(T.WRITE, 'data/p\0v'), T.WRITE);
    expect(c.request(T.GET_PERMS, 'data/p\0').strings).toEqual(['n1']);
    expect(c.request(T.GET_PERMS, 'name\0').strings).toEqual(['n0', 'r1']);
    ok(c.request(T.SET_PERMS, 'data/p\0n1\0r0\0b2\0'), T.SET_PERMS);
    expect(c.request(T.GET_PERMS, 'data/p\0').strings).toEqual(['n1', 'r0', 'b2']);
    expect(errOf(c.request(T.SET_PERMS, 'data/p\0n2\0'))).toBe('EPERM');
    expect(errOf(c.request(T.SET_PERMS, 'name\0n1\0'))).toBe('EACCES');
    expect(errOf(c.request(T.SET_PERMS, 'data/p\0x1\0'))).toBe('EINVAL');
    expect(errOf(c.request(T.SET_PERMS, 'data/p\0'))).toBe('EINVAL');
    expect(errOf(c.request(T.SET_PERMS, 'data/nope\0n1\0'))).toBe('ENOENT');
    // xenstored's quota: the owner's entry and at most five more (else a guest could hang
    // hundreds of entries on each of its nodes).
    const others = (n: number): string => Array.from({ length: n }, (_, i) => `r${i + 2}\0`).join('');
    ok(c.request(T.SET_PERMS, `data/p\0n1\0${others(5)}`), T.SET_PERMS);
    expect(errOf(c.request(T.SET_PERMS, `data/p\0n1\0${others(6)}`))).toBe('ENOSPC');
    expect(errOf(c.request(T.SET_PERMS, `data/p\0n1\0${others(600)}`))).toBe('ENOSPC');
    // A node owned by dom0 with no access for others is invisible to the guest.
    ok(c.request(T.WRITE, 'data/q\0v'), T.WRITE);
  });

  it('quotas: value size and node count', () => {
    const { c, h } = setup(arch);
    expect(errOf(c.request(T.WRITE, `data/big\0${'x'.repeat(2049)}`))).toBe('ENOSPC');
    ok(c.request(T.WRITE, `data/big\0${'x'.repeat(2048)}`), T.WRITE);
    const have = h.domain.xenstore.tree.ownedBy(1);
    let created = 0;
    for (let i = 0; i < 1200; i++) {
      const r = c.request(T.WRITE, `data/n${i}\0`);
      if (r.type === T.ERROR) {
        expect(errOf(r)).toBe('ENOSPC');
        break;
      }
      created++;
    }
    expect(have + created).toBe(1000);
  });

  it('transactions isolate, commit, abort, and conflict with EAGAIN', () => {
    const { c } = setup(arch);
    ok(c.request(T.WRITE, 'data/x\0one'), T.WRITE);
    const t1 = Number(c.request(T.TRANSACTION_START, '\0').strings[0]);
    expect(t1).toBeGreaterThan(0);
    ok(c.request(T.WRITE, 'data/x\0two', t1), T.WRITE);
    ok(c.request(T.WRITE, 'data/y/z\0new', t1), T.WRITE);
    expect(c.request(T.READ, 'data/x\0', t1).text).toBe('two');
    expect(c.request(T.READ, 'data/x\0').text).toBe('one');
    expect(errOf(c.request(T.READ, 'data/y/z\0'))).toBe('ENOENT');
    ok(c.request(T.TRANSACTION_END, 'T\0', t1), T.TRANSACTION_END);
    expect(c.request(T.READ, 'data/x\0').text).toBe('two');
    expect(c.request(T.READ, 'data/y/z\0').text).toBe('new');
    expect(errOf(c.request(T.TRANSACTION_END, 'T\0', t1))).toBe('ENOENT');

    // Conflict: the node read in the transaction changed outside it.
    const t2 = Number(c.request(T.TRANSACTION_START, '\0').strings[0]);
    expect(c.request(T.READ, 'data/x\0', t2).text).toBe('two');
    ok(c.request(T.WRITE, 'data/x\0three'), T.WRITE);
    ok(c.request(T.WRITE, 'data/w\0from-t2', t2), T.WRITE);
    expect(errOf(c.request(T.TRANSACTION_END, 'T\0', t2))).toBe('EAGAIN');
    expect(errOf(c.request(T.READ, 'data/w\0'))).toBe('ENOENT');

    // Abort discards.
    const t3 = Number(c.request(T.TRANSACTION_START, '\0').strings[0]);
    ok(c.request(T.RM, 'data/x\0', t3), T.RM);
    ok(c.request(T.TRANSACTION_END, 'F\0', t3), T.TRANSACTION_END);
    expect(c.request(T.READ, 'data/x\0').text).toBe('three');

    // Bad ends, nesting and the per-connection limit.
    const t4 = Number(c.request(T.TRANSACTION_START, '\0').strings[0]);
    expect(errOf(c.request(T.TRANSACTION_END, 'X\0', t4))).toBe('EINVAL');
    expect(errOf(c.request(T.TRANSACTION_START, '\0', t4))).toBe('EBUSY');
    for (let i = 0; i < 9; i++) expect(c.request(T.TRANSACTION_START, '\0').type).toBe(T.TRANSACTION_START);
    expect(errOf(c.request(T.TRANSACTION_START, '\0'))).toBe('ENOSPC');
  });

  it('watches fire on change with the token, relative paths stay relative', () => {
    const { c } = setup(arch);
    ok(c.request(T.WATCH, 'data\0tokA\0'), T.WATCH);
    expect(c.events.splice(0).map((e) => e.strings)).toEqual([['data', 'tokA']]);
    ok(c.request(T.WATCH, '/local/domain/1/data/sub\0tokB\0'), T.WATCH);
    c.events.length = 0;
    ok(c.request(T.WRITE, 'data/sub/leaf\0v'), T.WRITE);
    // Events arrive after the reply; pick them up with the next request.
    c.request(T.READ, 'domid\0');
    expect(c.events.splice(0).map((e) => e.strings).sort()).toEqual([
      ['/local/domain/1/data/sub/leaf', 'tokB'],
      ['data/sub/leaf', 'tokA'],
    ]);
    // Removing a parent fires the watch below it, with the watch's own path.
    ok(c.request(T.WRITE, 'data/sub/deeper/leaf\0v'), T.WRITE);
    ok(c.request(T.WATCH, 'data/sub/deeper/leaf\0tokC\0'), T.WATCH);
    c.events.length = 0;
    ok(c.request(T.RM, 'data/sub\0'), T.RM);
    c.request(T.READ, 'domid\0');
    expect(c.events.splice(0).map((e) => e.strings).sort()).toEqual([
      ['/local/domain/1/data/sub', 'tokB'],
      ['data/sub', 'tokA'],
      ['data/sub/deeper/leaf', 'tokC'],
    ]);
    expect(errOf(c.request(T.WATCH, 'data\0tokA\0'))).toBe('EEXIST');
    ok(c.request(T.UNWATCH, 'data\0tokA\0'), T.UNWATCH);
    expect(errOf(c.request(T.UNWATCH, 'data\0tokA\0'))).toBe('ENOENT');
    expect(errOf(c.request(T.WATCH, 'data\0'))).toBe('EINVAL');
    ok(c.request(T.WATCH, '@releaseDomain\0r\0'), T.WATCH);
    ok(c.request(T.RESET_WATCHES, ''), T.RESET_WATCHES);
    c.events.length = 0;
    ok(c.request(T.WRITE, 'data/sub/x\0v'), T.WRITE);
    c.request(T.READ, 'domid\0');
    expect(c.events).toEqual([]);
  });

  it('never sends a watch event longer than the protocol allows (xenstored drops it)', () => {
    const { c } = setup(arch);
    const token = 't'.repeat(3000);
    ok(c.request(T.WATCH, `data\0${token}\0`), T.WATCH);
    c.request(T.READ, 'domid\0'); // picks up the watch's first event
    c.events.length = 0;
    const deep = `data/${'p'.repeat(1500)}`;
    ok(c.request(T.WRITE, `${deep}\0v`), T.WRITE);
    ok(c.request(T.WRITE, 'data/short\0v'), T.WRITE);
    c.request(T.READ, 'domid\0');
    // The event for the deep path would carry 1505 + 3000 + 2 bytes: it is not sent; the short one is.
    expect(c.events.map((e) => e.payload.length)).toEqual([`data/short\0${token}\0`.length]);
  });

  it('watches fire on transaction commit, not before', () => {
    const { c } = setup(arch);
    ok(c.request(T.WATCH, 'data\0t\0'), T.WATCH);
    c.events.length = 0;
    const t = Number(c.request(T.TRANSACTION_START, '\0').strings[0]);
    ok(c.request(T.WRITE, 'data/k\0v', t), T.WRITE);
    ok(c.request(T.WRITE, 'data/k\0v2', t), T.WRITE);
    expect(c.events).toEqual([]);
    ok(c.request(T.TRANSACTION_END, 'T\0', t), T.TRANSACTION_END);
    c.request(T.READ, 'domid\0');
    // One event per changed node, however often the transaction changed it (xenstored's rule).
    expect(c.events.map((e) => e.strings)).toEqual([['data/k', 't']]);
  });

  it('DIRECTORY_PART pages a directory too big for DIRECTORY', () => {
    const { c } = setup(arch);
    const names = Array.from({ length: 150 }, (_, i) => `child-${String(i).padStart(3, '0')}-${'n'.repeat(30)}`);
    for (const n of names) ok(c.request(T.MKDIR, `data/big/${n}\0`), T.MKDIR);
    expect(errOf(c.request(T.DIRECTORY, 'data/big\0'))).toBe('E2BIG');
    const got: string[] = [];
    let offset = 0;
    let gen: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = c.request(T.DIRECTORY_PART, `data/big\0${offset}\0`);
      expect(r.type).toBe(T.DIRECTORY_PART);
      expect(r.payload.length).toBeLessThanOrEqual(XENSTORE_PAYLOAD_MAX);
      const [g, ...rest] = r.text.split('\0');
      gen ??= g;
      expect(g).toBe(gen);
      const end = r.text.endsWith('\0\0');
      const items = rest.filter((s) => s !== '');
      got.push(...items);
      offset += items.reduce((a, s) => a + s.length + 1, 0);
      if (end) break;
    }
    expect(got).toEqual(names);
    expect(errOf(c.request(T.DIRECTORY_PART, 'data/big\0x\0'))).toBe('EINVAL');
    expect(c.request(T.DIRECTORY_PART, "data/big\u0000999999\u0000").payload.at(-1)).toBe(0);
  });

  it('serves requests and replies across the u32 wrap of the ring indices', () => {
    const { c, h } = setup(arch);
    const start = 0xffffff00;
    for (const f of ['req_cons', 'req_prod', 'rsp_cons', 'rsp_prod']) h.mem.write32(c.off(f), start);
    // Each round trip moves both rings by dozens of bytes: 20 of them cross 2^32 with messages split by the wrap.
    for (let i = 0; i < 20; i++) {
      ok(c.request(T.WRITE, `data/wrap/k${i}\0value-${i}`), T.WRITE);
      expect(c.request(T.READ, `data/wrap/k${i}\0`).text).toBe(`value-${i}`);
    }
    expect(h.mem.read32(c.off('req_cons'))).toBe(h.mem.read32(c.off('req_prod')));
    expect(h.mem.read32(c.off('req_prod'))).toBeLessThan(start); // wrapped
    expect(h.mem.read32(c.off('rsp_prod'))).toBeLessThan(start);
    expect(h.domain.store.broken).toBe(false);
  });

  it('a message split over several kicks is served once complete', () => {
    const { c } = setup(arch);
    const msg = XsClient.encode(T.READ, 77, 0, new TextEncoder().encode('domid\0'));
    c.writeRaw(msg.subarray(0, 10));
    c.kick();
    expect(c.readAll()).toEqual([]);
    c.writeRaw(msg.subarray(10));
    c.kick();
    const [r] = c.readAll();
    expect(r?.reqId).toBe(77);
    expect(r?.text).toBe('1');
  });

  it('bad ring indices or oversize messages stop the connection with `error`; reconnect recovers', () => {
    const { c, h } = setup(arch);
    h.mem.write32(c.off('req_prod'), 5000);
    c.kick();
    expect(h.mem.read32(c.off('error'))).toBe(XenstoreError.RINGIDX);
    expect(h.domain.store.broken).toBe(true);
    // The guest resets the connection (XENSTORE_SERVER_FEATURE_RECONNECTION).
    h.mem.write32(c.off('connection'), XenstoreConnection.RECONNECT);
    c.kick();
    expect(h.mem.read32(c.off('connection'))).toBe(XenstoreConnection.CONNECTED);
    expect(h.mem.read32(c.off('error'))).toBe(XenstoreError.NONE);
    expect(c.request(T.READ, 'domid\0').text).toBe('1');
    // Oversized payload.
    const hdr = XsClient.encode(T.WRITE, 1, 0, new Uint8Array(0));
    new DataView(hdr.buffer).setUint32(12, XENSTORE_PAYLOAD_MAX + 1, true);
    c.writeRaw(hdr);
    c.kick();
    expect(h.mem.read32(c.off('error'))).toBe(XenstoreError.PROTO);
    // A reply ring the guest corrupted.
    h.mem.write32(c.off('connection'), XenstoreConnection.RECONNECT);
    c.kick();
    h.mem.write32(c.off('rsp_cons'), 0x80000000);
    c.writeRaw(XsClient.encode(T.READ, 2, 0, new TextEncoder().encode('domid\0')));
    c.kick();
    expect(h.mem.read32(c.off('error'))).toBe(XenstoreError.RINGIDX);
  });
});

describe('flow control', () => {
  it('stops taking requests from a guest that never reads its replies', () => {
    const { c, h } = setup();
    const msg = XsClient.encode(XsType.DIRECTORY, 1, 0, new TextEncoder().encode('/local/domain/1\0'));
    for (let i = 0; i < 2000; i++) {
      c.writeRaw(msg);
      c.kick();
    }
    expect(h.domain.store.backlog).toBeLessThan(MAX_REPLY_BACKLOG + 4096);
    // Once the guest reads, the host catches up.
    for (let i = 0; i < 200; i++) {
      c.readAll();
      c.kick();
    }
    expect(h.domain.store.backlog).toBe(0);
  });
});

describe('directoryPartReply', () => {
  it('marks the end of the list with an extra NUL', () => {
    const node = { value: new Uint8Array(0), perms: [], children: ['a', 'bc'], gen: 7 };
    expect(Buffer.from(directoryPartReply(node, 0)).toString('latin1')).toBe('7\0a\0bc\0\0');
    expect(Buffer.from(directoryPartReply(node, 2)).toString('latin1')).toBe('7\0bc\0\0');
    expect(Buffer.from(directoryPartReply(node, 5)).toString('latin1')).toBe('7\0\0');
  });
});

describe('xenstored', () => {
  it('answers EIO for a bug of its own, and logs it', () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    // A quota that throws stands in for a bug on the WATCH path.
    const quotas = { ...DEFAULT_QUOTAS, get maxWatches(): number { throw new Error('boom'); } };
    const xs = new Xenstored(quotas, log);
    const sent: XsMessage[] = [];
    const conn = xs.connect(1, (m) => sent.push(m));
    xs.handle(conn, { type: T.WATCH, reqId: 7, txId: 0, payload: Buffer.from('/x\0tok\0') });
    expect(sent.map((m) => [m.type, Buffer.from(m.payload).toString('latin1')])).toEqual([[T.ERROR, 'EIO\0']]);
    expect(lines.join('')).toMatch(/internal error.*boom|boom.*internal error/s);
  });
});
