/**
 * The xenstore tree: immutable nodes in a map keyed by absolute path. A
 * change replaces the node object, so "has this node changed since?" is an
 * identity comparison, which is what transactions use to detect conflicts,
 * and a transaction's private copy of the tree is a shallow map copy.
 */
import type { Perm } from './perms.js';

export interface XsNode {
  readonly value: Uint8Array;
  readonly perms: readonly Perm[];
  /** Child names in creation order. */
  readonly children: readonly string[];
  /** Store generation when the children list last changed (DIRECTORY_PART). */
  readonly gen: number;
}

export class Tree {
  constructor(
    private readonly nodes = new Map<string, XsNode>(),
    /** Nodes owned per domain (quota accounting). */
    private readonly owned = new Map<number, number>(),
  ) {}

  clone(): Tree {
    return new Tree(new Map(this.nodes), new Map(this.owned));
  }

  get(path: string): XsNode | undefined {
    return this.nodes.get(path);
  }

  set(path: string, node: XsNode | undefined): void {
    const old = this.nodes.get(path);
    if (old !== undefined) this.count(old.perms[0]?.id ?? 0, -1);
    if (node === undefined) this.nodes.delete(path);
    else {
      this.nodes.set(path, node);
      this.count(node.perms[0]?.id ?? 0, +1);
    }
  }

  private count(domid: number, delta: number): void {
    const n = (this.owned.get(domid) ?? 0) + delta;
    if (n === 0) this.owned.delete(domid);
    else this.owned.set(domid, n);
  }

  ownedBy(domid: number): number {
    return this.owned.get(domid) ?? 0;
  }

  get size(): number {
    return this.nodes.size;
  }

  paths(): IterableIterator<string> {
    return this.nodes.keys();
  }
}
