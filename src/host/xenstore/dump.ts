/**
 * The xenstore tree as text, the way `xenstore-ls` shows it: one node a
 * line, `name = "value"`, children indented one space deeper than their
 * parent, the root's children at the left margin. With `perms`, each line
 * ends with the node's permission list as xenstore-ls -p prints it
 * (`(n0,r1)`). Values are bytes; what is not printable ASCII is escaped so
 * one node is always one line.
 */
import { formatPerm } from './perms.js';
import { childPath } from './path.js';
import type { Xenstored } from './xenstored.js';

export interface DumpOptions {
  /** Append each node's permissions. */
  readonly perms?: boolean;
  /** The subtree to show (absolute path); the whole tree when absent. */
  readonly root?: string;
}

/** A node's value as a quoted string: backslash, quote and non-printables escaped. */
export function quoteValue(value: Uint8Array): string {
  let s = '"';
  for (const b of value) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x22) s += '\\"';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}

export function formatXenstoreTree(xs: Xenstored, opts: DumpOptions = {}): string {
  const root = opts.root ?? '/';
  const lines: string[] = [];
  const walk = (path: string, depth: number): void => {
    const node = xs.tree.get(path);
    if (node === undefined) return;
    const name = path.slice(path.lastIndexOf('/') + 1);
    let line = `${' '.repeat(depth)}${name} = ${quoteValue(node.value)}`;
    if (opts.perms === true) line += `  (${node.perms.map(formatPerm).join(',')})`;
    lines.push(line);
    for (const c of node.children) walk(childPath(path, c), depth + 1);
  };
  const top = xs.tree.get(root);
  if (top === undefined) return '';
  // Like xenstore-ls: the root itself is not a line, its children start at depth 0.
  for (const c of top.children) walk(childPath(root, c), 0);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
