/**
 * A xenstore transaction: a private copy of the tree plus a record of the
 * node each path held when the transaction first looked at it. Committing
 * checks every recorded path still holds the very same node object in the
 * live tree (nodes are immutable, so identity means unchanged, and a node
 * deleted and recreated is a different object); if one changed the commit
 * fails with EAGAIN and the client retries, as with xenstored.
 */
import type { StoreView } from './store-ops.js';
import type { Tree, XsNode } from './tree.js';

export class Transaction implements StoreView {
  readonly tree: Tree;
  /** path -> the node seen at first access (undefined: it did not exist). */
  private readonly seen = new Map<string, XsNode | undefined>();
  private readonly modified = new Set<string>();
  /** Watch events to fire at commit: one per changed path (recursive if any change was), as xenstored fires once per node. */
  private readonly events = new Map<string, boolean>();

  constructor(
    readonly id: number,
    live: Tree,
    private readonly gens: () => number,
  ) {
    this.tree = live.clone();
  }

  private note(path: string): void {
    if (!this.seen.has(path)) this.seen.set(path, this.tree.get(path));
  }

  get(path: string): XsNode | undefined {
    this.note(path);
    return this.tree.get(path);
  }
  set(path: string, node: XsNode | undefined): void {
    this.note(path);
    this.modified.add(path);
    this.tree.set(path, node);
  }
  changed(path: string, recursive: boolean): void {
    this.events.set(path, recursive || this.events.get(path) === true);
  }
  ownedBy(domid: number): number {
    return this.tree.ownedBy(domid);
  }
  nextGen(): number {
    return this.gens();
  }

  /** True when nothing this transaction looked at changed in the live tree. */
  canCommit(live: Tree): boolean {
    for (const [path, node] of this.seen) if (live.get(path) !== node) return false;
    return true;
  }

  /** Apply the changes to the live tree; the watch events to fire. */
  commitInto(live: Tree): ReadonlyMap<string, boolean> {
    for (const path of this.modified) live.set(path, this.tree.get(path));
    return this.events;
  }
}
