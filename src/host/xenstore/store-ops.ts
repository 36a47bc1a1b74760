/**
 * The xenstore operations on nodes, with xenstored's permission rules and
 * quotas, against a {@link StoreView}: the live store, or a transaction's
 * private copy. Results are a value or an xenstore error name; nothing
 * here throws for anything a client sends.
 */
import type { XsError } from '../../abi/xen/xs-wire.js';
import { baseName, childPath, parentOf } from './path.js';
import { canRead, canWrite, type Perm } from './perms.js';
import type { XsNode } from './tree.js';

export interface Quotas {
  /** Nodes one (non-host) domain may own. */
  readonly maxEntries: number;
  /** Largest node value, bytes. */
  readonly maxValueSize: number;
  readonly maxWatches: number;
  readonly maxTransactions: number;
  /** Permission entries a node may carry besides the owner's (SET_PERMS). */
  readonly maxPermsPerNode: number;
}

/** xenstored's defaults. */
export const DEFAULT_QUOTAS: Quotas = { maxEntries: 1000, maxValueSize: 2048, maxWatches: 128, maxTransactions: 10, maxPermsPerNode: 5 };

/** A tree to operate on, recording what the operation touched. */
export interface StoreView {
  get(path: string): XsNode | undefined;
  set(path: string, node: XsNode | undefined): void;
  /** A watch event for `path` (recursive: the subtree went away). */
  changed(path: string, recursive: boolean): void;
  ownedBy(domid: number): number;
  /** A fresh store generation number. */
  nextGen(): number;
}

export type XsResult<T> = { ok: T } | { error: XsError };

const EMPTY = new Uint8Array(0);
const fail = (error: XsError): { error: XsError } => ({ error });

/** Read access to an existing node, ENOENT or EACCES. */
function readable(view: StoreView, path: string, domid: number): XsResult<XsNode> {
  const node = view.get(path);
  if (node === undefined) return fail('ENOENT');
  if (!canRead(node.perms, domid)) return fail('EACCES');
  return { ok: node };
}

export function read(view: StoreView, path: string, domid: number): XsResult<Uint8Array> {
  const r = readable(view, path, domid);
  return 'error' in r ? r : { ok: r.ok.value };
}

export function directory(view: StoreView, path: string, domid: number): XsResult<XsNode> {
  return readable(view, path, domid);
}

export function getPerms(view: StoreView, path: string, domid: number): XsResult<readonly Perm[]> {
  const r = readable(view, path, domid);
  return 'error' in r ? r : { ok: r.ok.perms };
}

/**
 * Create `path` and any missing ancestors. The nearest existing ancestor
 * must be writable; new nodes inherit its permissions, owned by the
 * creating domain (the host keeps the parent's owner).
 */
function create(view: StoreView, path: string, value: Uint8Array, domid: number, quotas: Quotas): XsResult<true> {
  const missing: string[] = [];
  let p = path;
  while (view.get(p) === undefined) {
    missing.push(p);
    if (p === '/') break;
    p = parentOf(p);
  }
  const ancestor = view.get(p);
  if (ancestor === undefined) return fail('ENOENT');
  if (!canWrite(ancestor.perms, domid)) return fail('EACCES');
  if (domid !== 0 && view.ownedBy(domid) + missing.length > quotas.maxEntries) return fail('ENOSPC');
  const perms: Perm[] = [...ancestor.perms];
  if (domid !== 0) perms[0] = { id: domid, perm: perms[0]?.perm ?? 0 };
  let parentPath = p;
  for (let i = missing.length - 1; i >= 0; i--) {
    const np = missing[i]!;
    const parent = view.get(parentPath)!;
    const gen = view.nextGen();
    view.set(parentPath, { ...parent, children: [...parent.children, baseName(np)], gen });
    view.set(np, { value: i === 0 ? value : EMPTY, perms, children: [], gen });
    parentPath = np;
  }
  return { ok: true };
}

export function write(view: StoreView, path: string, value: Uint8Array, domid: number, quotas: Quotas): XsResult<true> {
  if (domid !== 0 && value.length > quotas.maxValueSize) return fail('ENOSPC');
  const node = view.get(path);
  if (node === undefined) {
    const r = create(view, path, value, domid, quotas);
    if ('error' in r) return r;
  } else {
    if (!canWrite(node.perms, domid)) return fail('EACCES');
    view.set(path, { ...node, value });
  }
  view.changed(path, false);
  return { ok: true };
}

export function mkdir(view: StoreView, path: string, domid: number, quotas: Quotas): XsResult<true> {
  const existing = view.get(path);
  // An existing node is fine, but only for a client that may write it (xenstored looks it up for writing).
  if (existing !== undefined) return canWrite(existing.perms, domid) ? { ok: true } : fail('EACCES');
  const r = create(view, path, EMPTY, domid, quotas);
  if ('error' in r) return r;
  view.changed(path, false);
  return { ok: true };
}

function removeSubtree(view: StoreView, path: string): void {
  const node = view.get(path);
  if (node === undefined) return;
  for (const c of node.children) removeSubtree(view, childPath(path, c));
  view.set(path, undefined);
}

export function rm(view: StoreView, path: string, domid: number): XsResult<true> {
  if (path === '/') return fail('EINVAL');
  const node = view.get(path);
  if (node === undefined) {
    // Removing what is not there is fine while the parent exists (xenstored).
    return view.get(parentOf(path)) !== undefined ? { ok: true } : fail('ENOENT');
  }
  if (!canWrite(node.perms, domid)) return fail('EACCES');
  removeSubtree(view, path);
  const parentPath = parentOf(path);
  const parent = view.get(parentPath);
  if (parent !== undefined) {
    const name = baseName(path);
    view.set(parentPath, { ...parent, children: parent.children.filter((c) => c !== name), gen: view.nextGen() });
  }
  view.changed(path, true);
  return { ok: true };
}

export function setPerms(view: StoreView, path: string, perms: readonly Perm[], domid: number, quotas: Quotas): XsResult<true> {
  if (perms.length === 0) return fail('EINVAL');
  if (domid !== 0 && perms.length - 1 > quotas.maxPermsPerNode) return fail('ENOSPC');
  const node = view.get(path);
  if (node === undefined) return fail('ENOENT');
  const owner = node.perms[0]?.id;
  if (domid !== 0) {
    if (owner !== domid) return fail('EACCES');
    // Only the host may give a node away.
    if (perms[0]!.id !== owner) return fail('EPERM');
  }
  view.set(path, { ...node, perms: [...perms] });
  view.changed(path, false);
  return { ok: true };
}
