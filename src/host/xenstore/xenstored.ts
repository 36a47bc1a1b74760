/**
 * The xenstore daemon: the store, its clients (connections, one per guest
 * ring; the host uses the store directly as domain 0), their watches and
 * transactions, and the xs_wire request handling. Requests and replies are
 * whole messages here; src/host/xenstore/ring-connection.ts moves them over
 * the shared ring page.
 */
import { XENSTORE_PAYLOAD_MAX, XsType, type XsError } from '../../abi/xen/xs-wire.js';
import type { Logger } from '../../log/logger.js';
import { canonicalize, canonicalizeWatch, domainPath, isAtOrBelow, parentOf, relativeTo, SPECIAL_WATCH_PATHS } from './path.js';
import { canRead, formatPerm, parsePerm, type Perm } from './perms.js';
import * as ops from './store-ops.js';
import { DEFAULT_QUOTAS, type Quotas, type StoreView, type XsResult } from './store-ops.js';
import { Transaction } from './transaction.js';
import { Tree, type XsNode } from './tree.js';

export interface XsMessage {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
}

interface Watch {
  /** Absolute path or a special @ path. */
  readonly path: string;
  readonly token: string;
  /** The client named the path relatively: events come back relative. */
  readonly relative: boolean;
}

export class XsConnection {
  readonly watches: Watch[] = [];
  readonly transactions = new Map<number, Transaction>();

  constructor(
    readonly domid: number,
    /** Queue one message to the client. */
    readonly send: (msg: XsMessage) => void,
  ) {}
}

const enc = new TextEncoder();
const OK = enc.encode('OK\0');

/** Decode the NUL-separated strings of a payload. */
function strings(payload: Uint8Array): string[] {
  const text = Buffer.from(payload).toString('latin1');
  const parts = text.split('\0');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Exactly one string argument (an optional trailing NUL), or undefined. */
function oneArg(payload: Uint8Array): string | undefined {
  const a = strings(payload);
  return a.length === 1 ? a[0] : undefined;
}

function joinStrings(items: readonly string[]): Uint8Array {
  return enc.encode(items.map((s) => `${s}\0`).join(''));
}

export class Xenstored {
  readonly tree = new Tree();
  private readonly conns = new Set<XsConnection>();
  private gen = 0;
  private nextTxId = 1;
  /** The live tree, as a view that fires watches on change. */
  private readonly live: StoreView;

  constructor(
    readonly quotas: Quotas = DEFAULT_QUOTAS,
    /** Where our own bugs are reported (the guest only sees EIO). */
    private readonly log?: Logger,
  ) {
    this.tree.set('/', { value: new Uint8Array(0), perms: [{ id: 0, perm: 0 }], children: [], gen: 0 });
    this.live = {
      get: (p) => this.tree.get(p),
      set: (p, n) => this.tree.set(p, n),
      changed: (p, r) => this.fireWatches(p, r),
      ownedBy: (d) => this.tree.ownedBy(d),
      nextGen: () => ++this.gen,
    };
  }

  connect(domid: number, send: (msg: XsMessage) => void): XsConnection {
    const c = new XsConnection(domid, send);
    this.conns.add(c);
    return c;
  }

  disconnect(conn: XsConnection): void {
    this.conns.delete(conn);
  }

  /** Drop a connection's watches and transactions (XS_RESET_WATCHES does the watches). */
  resetConnection(conn: XsConnection): void {
    conn.watches.length = 0;
    conn.transactions.clear();
  }

  // ---- the host's own access, as domain 0 ---------------------------------

  hostWrite(path: string, value: string | Uint8Array): void {
    const r = ops.write(this.live, path, typeof value === 'string' ? enc.encode(value) : value, 0, this.quotas);
    if ('error' in r) throw new Error(`xenstore: host write of ${path} failed: ${r.error}`);
  }
  hostMkdir(path: string): void {
    const r = ops.mkdir(this.live, path, 0, this.quotas);
    if ('error' in r) throw new Error(`xenstore: host mkdir of ${path} failed: ${r.error}`);
  }
  hostSetPerms(path: string, perms: readonly Perm[]): void {
    const r = ops.setPerms(this.live, path, perms, 0, this.quotas);
    if ('error' in r) throw new Error(`xenstore: host set_perms of ${path} failed: ${r.error}`);
  }
  hostRead(path: string): string | undefined {
    const n = this.tree.get(path);
    return n === undefined ? undefined : Buffer.from(n.value).toString('latin1');
  }
  hostRm(path: string): void {
    ops.rm(this.live, path, 0);
  }

  // ---- watches ------------------------------------------------------------

  private fireWatches(path: string, recursive: boolean): void {
    for (const c of this.conns) {
      for (const w of c.watches) {
        if (SPECIAL_WATCH_PATHS.has(w.path)) continue;
        let eventPath: string | undefined;
        if (isAtOrBelow(path, w.path)) eventPath = path;
        else if (recursive && isAtOrBelow(w.path, path)) eventPath = w.path;
        if (eventPath === undefined || !this.mayWatch(c.domid, eventPath)) continue;
        this.sendWatchEvent(c, w, eventPath);
      }
    }
  }

  /** A watcher hears about a node it can read (or, once gone, whose nearest surviving ancestor it can read). */
  private mayWatch(domid: number, path: string): boolean {
    let p = path;
    let node = this.tree.get(p);
    while (node === undefined && p !== '/') {
      p = parentOf(p);
      node = this.tree.get(p);
    }
    return node !== undefined && canRead(node.perms, domid);
  }

  /** Send a WATCH_EVENT, unless path and token exceed the protocol's payload limit (xenstored drops those too). */
  private sendWatchEvent(c: XsConnection, w: Watch, path: string): void {
    const shown = w.relative ? relativeTo(path, c.domid) : path;
    if (shown.length + w.token.length + 2 > XENSTORE_PAYLOAD_MAX) return;
    c.send({ type: XsType.WATCH_EVENT, reqId: 0, txId: 0, payload: joinStrings([shown, w.token]) });
  }

  // ---- requests -----------------------------------------------------------

  /** Serve one request from `conn`; the reply (and any watch events) go to conn.send. */
  handle(conn: XsConnection, msg: XsMessage): void {
    let reply: Uint8Array | XsError;
    try {
      reply = this.dispatch(conn, msg);
    } catch (e) {
      // A bug of ours must not take the host down with the guest's request, nor go unseen.
      this.log?.error({ domid: conn.domid, type: msg.type, err: e }, 'xenstore: internal error serving a request; answered EIO');
      reply = 'EIO';
    }
    if (typeof reply !== 'string' && reply.length > XENSTORE_PAYLOAD_MAX) reply = 'E2BIG';
    if (typeof reply === 'string') {
      conn.send({ type: XsType.ERROR, reqId: msg.reqId, txId: msg.txId, payload: enc.encode(`${reply}\0`) });
    } else {
      conn.send({ type: msg.type, reqId: msg.reqId, txId: msg.txId, payload: reply });
    }
    // The first event of a new watch comes after the WATCH reply.
    if (msg.type === XsType.WATCH && typeof reply !== 'string') {
      const w = conn.watches[conn.watches.length - 1]!;
      this.sendWatchEvent(conn, w, w.path);
    }
  }

  private view(conn: XsConnection, txId: number): StoreView | XsError {
    if (txId === 0) return this.live;
    return conn.transactions.get(txId) ?? 'ENOENT';
  }

  private path(conn: XsConnection, payload: Uint8Array): string | XsError {
    const arg = oneArg(payload);
    if (arg === undefined) return 'EINVAL';
    return canonicalize(arg, conn.domid) ?? 'EINVAL';
  }

  private dispatch(conn: XsConnection, msg: XsMessage): Uint8Array | XsError {
    const d = conn.domid;
    const done = <T>(r: XsResult<T>, f: (v: T) => Uint8Array): Uint8Array | XsError => ('error' in r ? r.error : f(r.ok));
    switch (msg.type) {
      case XsType.READ:
      case XsType.DIRECTORY:
      case XsType.GET_PERMS:
      case XsType.MKDIR:
      case XsType.RM: {
        const view = this.view(conn, msg.txId);
        if (typeof view === 'string') return view;
        const path = this.path(conn, msg.payload);
        if (path === 'EINVAL') return path;
        if (msg.type === XsType.READ) return done(ops.read(view, path, d), (v) => v);
        if (msg.type === XsType.DIRECTORY) return done(ops.directory(view, path, d), (n) => joinStrings(n.children));
        if (msg.type === XsType.GET_PERMS) return done(ops.getPerms(view, path, d), (p) => joinStrings(p.map(formatPerm)));
        if (msg.type === XsType.MKDIR) return done(ops.mkdir(view, path, d, this.quotas), () => OK);
        return done(ops.rm(view, path, d), () => OK);
      }
      case XsType.WRITE: {
        const view = this.view(conn, msg.txId);
        if (typeof view === 'string') return view;
        const nul = msg.payload.indexOf(0);
        if (nul < 0) return 'EINVAL';
        const path = canonicalize(Buffer.from(msg.payload.subarray(0, nul)).toString('latin1'), d);
        if (path === undefined) return 'EINVAL';
        return done(ops.write(view, path, msg.payload.slice(nul + 1), d, this.quotas), () => OK);
      }
      case XsType.DIRECTORY_PART:
        return this.directoryPart(conn, msg);
      case XsType.SET_PERMS: {
        const view = this.view(conn, msg.txId);
        if (typeof view === 'string') return view;
        const args = strings(msg.payload);
        if (args.length < 2) return 'EINVAL';
        const path = canonicalize(args[0]!, d);
        if (path === undefined) return 'EINVAL';
        const perms: Perm[] = [];
        for (const s of args.slice(1)) {
          const p = parsePerm(s);
          if (p === undefined) return 'EINVAL';
          perms.push(p);
        }
        return done(ops.setPerms(view, path, perms, d, this.quotas), () => OK);
      }
      case XsType.WATCH:
      case XsType.UNWATCH:
        return this.watchOp(conn, msg);
      case XsType.TRANSACTION_START: {
        if (msg.txId !== 0) return 'EBUSY';
        if (conn.transactions.size >= this.quotas.maxTransactions) return 'ENOSPC';
        const id = this.nextTxId;
        this.nextTxId = this.nextTxId >= 0xfffffffe ? 1 : this.nextTxId + 1;
        conn.transactions.set(id, new Transaction(id, this.tree, () => ++this.gen));
        return enc.encode(`${id}\0`);
      }
      case XsType.TRANSACTION_END: {
        const t = conn.transactions.get(msg.txId);
        if (t === undefined) return 'ENOENT';
        const arg = oneArg(msg.payload);
        if (arg !== 'T' && arg !== 'F') return 'EINVAL';
        conn.transactions.delete(msg.txId);
        if (arg === 'F') return OK;
        if (!t.canCommit(this.tree)) return 'EAGAIN';
        for (const [p, r] of t.commitInto(this.tree)) this.fireWatches(p, r);
        return OK;
      }
      case XsType.RESET_WATCHES:
        this.resetConnection(conn);
        return OK;
      case XsType.GET_DOMAIN_PATH: {
        const arg = oneArg(msg.payload);
        if (arg === undefined || !/^\d{1,5}$/.test(arg) || Number(arg) > 0xffff) return 'EINVAL';
        return enc.encode(`${domainPath(Number(arg))}\0`);
      }
      case XsType.CONTROL:
      case XsType.INTRODUCE:
      case XsType.RELEASE:
      case XsType.IS_DOMAIN_INTRODUCED:
      case XsType.RESUME:
      case XsType.SET_TARGET:
        // Toolstack operations: only domain 0 may use them, and the host has no socket clients.
        return 'EACCES';
      default:
        return 'EINVAL';
    }
  }

  private directoryPart(conn: XsConnection, msg: XsMessage): Uint8Array | XsError {
    const view = this.view(conn, msg.txId);
    if (typeof view === 'string') return view;
    const args = strings(msg.payload);
    if (args.length !== 2 || !/^\d{1,10}$/.test(args[1]!)) return 'EINVAL';
    const path = canonicalize(args[0]!, conn.domid);
    if (path === undefined) return 'EINVAL';
    const r = ops.directory(view, path, conn.domid);
    if ('error' in r) return r.error;
    return directoryPartReply(r.ok, Number(args[1]));
  }

  private watchOp(conn: XsConnection, msg: XsMessage): Uint8Array | XsError {
    const args = strings(msg.payload);
    if (args.length !== 2) return 'EINVAL';
    const [given, token] = args as [string, string];
    const path = canonicalizeWatch(given, conn.domid);
    if (path === undefined) return 'EINVAL';
    const i = conn.watches.findIndex((w) => w.path === path && w.token === token);
    if (msg.type === XsType.UNWATCH) {
      if (i < 0) return 'ENOENT';
      conn.watches.splice(i, 1);
      return OK;
    }
    if (i >= 0) return 'EEXIST';
    if (conn.watches.length >= this.quotas.maxWatches) return 'E2BIG';
    conn.watches.push({ path, token, relative: !given.startsWith('/') && !given.startsWith('@') });
    return OK;
  }
}

/**
 * XS_DIRECTORY_PART's reply: the node's generation, then as many whole
 * child names from byte `offset` of the name list as fit, with an extra NUL
 * when the list ends there (xenstored's format).
 */
export function directoryPartReply(node: XsNode, offset: number): Uint8Array {
  const gen = enc.encode(`${node.gen}\0`);
  const list = joinStrings(node.children);
  if (offset >= list.length) return Uint8Array.from([...gen, 0]);
  let len = 0;
  while (offset + len < list.length) {
    let end = list.indexOf(0, offset + len);
    if (end < 0) end = list.length - 1;
    const item = end + 1 - (offset + len);
    if (gen.length + len + item >= XENSTORE_PAYLOAD_MAX) break;
    len += item;
  }
  const atEnd = offset + len === list.length;
  const out = new Uint8Array(gen.length + len + (atEnd ? 1 : 0));
  out.set(gen, 0);
  out.set(list.subarray(offset, offset + len), gen.length);
  return out;
}
